// The library API as a user writes it (the seed's programmatic use), against the Vast.ai fake over real HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  CostOptimizer,
  GcpProvider,
  ProviderType,
  TensorDockProvider,
  VastAiProvider,
  parseConfig,
  silentLogger,
} from '../../controller/src/index';
import { gcpInstance, startGcpFake } from '../../controller/src/fake-world/gcp-fake';
import { startTensorDockV0Fake, tdV0Instance } from '../fakes/tensordock-fake-v0';
import { startVastFake, vastInstance, type VastFake } from '../../controller/src/fake-world/vast-fake';

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

  it('a partial config is validated and its derived settings recomputed as from the environment', async () => {
    const partial = new CostOptimizer({ dataDir: dir, pauseWindowMinutes: 5, protectedInstances: ['keep-me'] }, { logger: silentLogger, sshPoller: null });
    // MAX_GAP_SECONDS defaults to a fifth of the window (60 s here), not the 180 s of the default 30 min window.
    expect(partial.config).toMatchObject({ pauseWindowMinutes: 5, maxGapSeconds: 60, pauseThresholdGpu: 10, protectedInstances: ['keep-me'] });
    expect(partial.config.maxGapSeconds).toBe(parseConfig({ PAUSE_WINDOW_MINUTES: '5' }).maxGapSeconds);
    expect(partial.isProtected({ id: 'vast:9', providerId: '9', name: 'Keep-Me', labels: {} })).toBe(true);
    await partial.close();
    expect(() => new CostOptimizer({ dataDir: dir, pauseThresholdGpu: 150 })).toThrow(ConfigError);
    expect(() => new CostOptimizer({ dataDir: dir, pauseThresholdGpu: 150 })).toThrow(/PAUSE_THRESHOLD_GPU/);
    expect(() => new CostOptimizer({ dataDir: dir, deleteThresholdHours: 2, deleteWarningHours: 3 })).toThrow(/DELETE_WARNING_HOURS/);
    expect(() => new CostOptimizer({ dataDir: dir, pauseTreshold: 5 } as never)).toThrow(/pauseTreshold: not a configuration field/);
  });

  it('run() without a signal cycles until stop()', async () => {
    const optimizer = new CostOptimizer({ dataDir: dir, checkIntervalSec: 0.01 }, { logger: silentLogger, sshPoller: null });
    let cycles = 0;
    const orig = optimizer.runOnce.bind(optimizer);
    optimizer.runOnce = async () => {
      cycles++;
      if (cycles === 3) optimizer.stop();
      return orig();
    };
    await optimizer.run();
    expect(cycles).toBe(3);
    await optimizer.close();
  });

  it('TensorDock as the seed wrote it (new TensorDockProvider(apiKey, apiToken): v0) and Google Cloud through the library', async () => {
    const td = await startTensorDockV0Fake({ instances: [tdV0Instance({ name: 'td-box' })] });
    const gcp = await startGcpFake({ instances: [gcpInstance({ name: 'gcp-box', zone: 'us-central1-a', machineType: 'g2-standard-4' })] });
    try {
      const tdProvider = new TensorDockProvider(td.apiKey, td.apiToken, { apiUrl: td.apiUrl, minIntervalMs: 0 });
      expect(tdProvider.version).toBe('v0');
      const gcpProvider = await GcpProvider.create({ projectId: gcp.project, apiEndpoint: gcp.url, accessToken: gcp.accessToken });
      const optimizer = new CostOptimizer({ dataDir: join(dir, 'td-gcp'), dryRun: true }, { logger: silentLogger, sshPoller: null });
      optimizer.addProvider(ProviderType.TensorDock, tdProvider).addProvider(ProviderType.Gcp, gcpProvider);
      const report = await optimizer.runOnce();
      expect(report.providers.map((p) => [p.provider, p.ok])).toEqual([
        ['tensordock', true],
        ['gcp', true],
      ]);
      expect(
        optimizer.store
          .listInstances()
          .map((i) => [i.provider, i.name])
          .sort(),
      ).toEqual([
        ['gcp', 'gcp-box'],
        ['tensordock', 'td-box'],
      ]);
      // v0 speaks form bodies carrying both credentials.
      expect(td.requests.some((r) => r.path.endsWith('/client/list') && r.form?.['api_key'] === td.apiKey && r.form?.['api_token'] === td.apiToken)).toBe(true);
      await optimizer.close();
      await gcpProvider.close();
    } finally {
      await Promise.all([td.close(), gcp.close()]);
    }
  }, 120_000); // loading @google-cloud/compute takes seconds on a busy machine
});
