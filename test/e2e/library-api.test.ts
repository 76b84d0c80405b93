// The library API as a user writes it (the seed's programmatic use), against the Vast.ai fake over real HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CostOptimizer, ProviderType, VastAiProvider, parseConfig, silentLogger } from '../../controller/src/index';
import { startVastFake, vastInstance, type VastFake } from '../../controller/src/fakes/vast-fake';

const dir = mkdtempSync(join(tmpdir(), 'co-lib-'));
let fake: VastFake | null = null;
afterAll(async () => {
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('library API', () => {
  it('new CostOptimizer(config) + addProvider(ProviderType.VastAi, new VastAiProvider(key)) + runOnce()', async () => {
    fake = await startVastFake({ instances: [vastInstance({ id: 501, gpuUtil: 0 }), vastInstance({ id: 502, state: 'stopped' })] });
    const optimizer = new CostOptimizer(parseConfig({ DATA_DIR: dir, DRY_RUN: 'true' }), { logger: silentLogger, sshPoller: null });
    optimizer.addProvider(ProviderType.VastAi, new VastAiProvider(fake.apiKey, { apiUrl: fake.url, minIntervalMs: { list: 0, show: 0, put: 0, destroy: 0 } }));
    const report = await optimizer.runOnce();
    expect(report.providers).toEqual([expect.objectContaining({ provider: 'vast', ok: true })]);
    expect(report.decisions.map((d) => [d.instanceId, d.kind]).sort()).toEqual([
      ['vast:501', 'none'],
      ['vast:502', 'none'],
    ]);
    // First sight of a running instance starts its idle clock: nothing to do yet, and nothing was sent but the list.
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(optimizer.store.getInstance('vast:501')).toMatchObject({ provider: 'vast', state: 'running', gpuName: 'RTX 4090' });
    await optimizer.close();
  });

  it('run(signal) cycles until aborted', async () => {
    const optimizer = new CostOptimizer({ ...parseConfig({ DATA_DIR: dir }), checkIntervalSec: 0.05 }, { logger: silentLogger, sshPoller: null });
    const ac = new AbortController();
    let cycles = 0;
    const orig = optimizer.runOnce.bind(optimizer);
    optimizer.runOnce = async () => {
      cycles++;
      if (cycles === 3) ac.abort();
      return orig();
    };
    await optimizer.run(ac.signal);
    expect(cycles).toBe(3);
    await optimizer.close();
  });
});
