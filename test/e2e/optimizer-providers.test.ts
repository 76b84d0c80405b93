// The optimizer loop with all three providers at once, on their real wire formats (Vast.ai, TensorDock v2, Google
// Cloud through the real @google-cloud/compute client), while one of them fails: the other two still act.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../controller/src/config/config';
import { silentLogger } from '../../controller/src/log';
import { CostOptimizer } from '../../controller/src/compose/cost-optimizer';
import { createProvidersFromConfig } from '../../controller/src/providers';
import { openStore, type Store } from '../../controller/src/store';
import { fakeProvidersEnv } from '../../controller/src/fake-world/fake-providers-env';
import { gcpInstance, startGcpFake, type GcpFake } from '../../controller/src/fake-world/gcp-fake';
import { startTensorDockV2Fake, tdV2Instance, type TdV2Fake } from '../../controller/src/fake-world/tensordock-fake-v2';
import { startVastFake, vastInstance, type VastFake } from '../../controller/src/fake-world/vast-fake';
import { gpus, OK } from '../helpers/gpu-stats';
import { makeTempDir } from '../helpers/temp-dir';

const T0 = Date.parse('2026-11-02T00:00:00Z');
let vast: VastFake;
let td: TdV2Fake;
let gcp: GcpFake;
let store: Store;
const tmp = makeTempDir('co-e2e-3p-');

beforeAll(async () => {
  vast = await startVastFake({ transitionMs: 0, instances: [vastInstance({ id: 801, startDate: T0 / 1000 - 7200 })] });
  td = await startTensorDockV2Fake({ transitionMs: 0, instances: [tdV2Instance({ id: 'a1b2c3d4-0000-4000-8000-000000000001', name: 'td-idle' })] });
  gcp = await startGcpFake({ transitionMs: 0, instances: [gcpInstance({ name: 'gcp-idle', zone: 'us-central1-a', machineType: 'g2-standard-4' })] });
  store = openStore(join(tmp.path, 'co.db'));
});

afterAll(async () => {
  store?.close();
  await Promise.all([vast?.close(), td?.close(), gcp?.close()]);
  tmp.cleanup();
});

function feedIdle(ids: string[], from: number, to: number) {
  const inputs = [];
  for (const id of ids)
    for (let t = from; t + 10_000 <= to; t += 10_000)
      inputs.push({ instanceId: id, source: 'agent' as const, t0: t, t1: t + 10_000, gpus: gpus(1, 1), procs: 0, health: OK, run: null });
  store.insertSamples(inputs, to);
}

describe('optimizer with three providers', () => {
  it('acts on Vast.ai and Google Cloud while TensorDock answers 500 for the whole cycle', async () => {
    const config = parseConfig({
      DATA_DIR: tmp.path,
      PAUSE_WINDOW_MINUTES: '1',
      MIN_SAMPLES: '3',
      MAX_GAP_SECONDS: '30',
      // The samples arrive all at once, so the pause is due at first sight: without a warning it comes this cycle.
      PAUSE_WARNING_MINUTES: '0',
      ...fakeProvidersEnv({ vast, td, gcp }),
    });
    const providers = await createProvidersFromConfig(config, silentLogger, { minIntervalMs: 0, timeoutMs: 5_000, retry: { maxRetries: 1, baseDelayMs: 5 } });
    expect(providers.map((p) => p.name)).toEqual(['vast', 'tensordock', 'gcp']);
    let now = T0;
    const opt = new CostOptimizer(config, {
      store,
      now: () => now,
      sshPoller: null,
      logger: silentLogger,
      executor: { verifyAttempts: 3, verifyDelayMs: 50 },
      inventory: { attempts: 2, baseDelayMs: 5 },
    });
    for (const p of providers) opt.addProvider(p.name, p);

    const first = await opt.runOnce();
    expect(first.providers.every((p) => p.ok)).toBe(true);
    const ids = store
      .listInstances()
      .map((i) => i.id)
      .sort();
    expect(ids).toEqual(['gcp:us-central1-a/gcp-idle', 'tensordock:a1b2c3d4-0000-4000-8000-000000000001', 'vast:801']);

    feedIdle(ids, T0, T0 + 90_000);
    now = T0 + 90_000;
    td.injectFault({ kind: '500', method: 'GET', times: 100 });
    const r = await opt.runOnce();
    expect(r.providers.map((p) => [p.provider, p.ok])).toEqual([
      ['vast', true],
      ['tensordock', false],
      ['gcp', true],
    ]);
    expect(r.actions.map((a) => [a.instanceId, a.kind, a.status]).sort()).toEqual([
      ['gcp:us-central1-a/gcp-idle', 'pause', 'succeeded'],
      ['vast:801', 'pause', 'succeeded'],
    ]);
    expect(vast.instances.get(801)!['intended_status']).toBe('stopped');
    expect(gcp.instances.get('us-central1-a/gcp-idle')!['status']).toBe('TERMINATED');
    expect([...td.instances.values()][0]!['status']).toBe('running');
    expect(td.requests.some((q) => q.method === 'POST')).toBe(false);

    // TensorDock recovers: the next cycle acts on it too.
    td.clearFaults();
    feedIdle([ids[1]!], T0 + 90_000, T0 + 100_000);
    now = T0 + 100_000;
    const r2 = await opt.runOnce();
    expect(r2.actions.map((a) => [a.instanceId, a.status])).toEqual([['tensordock:a1b2c3d4-0000-4000-8000-000000000001', 'succeeded']]);
    expect(td.requests.filter((q) => q.method === 'POST').map((q) => q.path)).toEqual(['/api/v2/instances/a1b2c3d4-0000-4000-8000-000000000001/stop']);
    await opt.close();
  });
});
