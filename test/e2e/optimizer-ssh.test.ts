// SSH fallback end to end: instances with no agent, read over SSH from a real sshd on loopback running the fake
// nvidia-smi. Idle SSH readings get the instance paused through the Vast.ai fake; failing SSH never does.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../controller/src/config/config';
import { silentLogger } from '../../controller/src/log';
import { CostOptimizer } from '../../controller/src/compose/cost-optimizer';
import { VastAiProvider } from '../../controller/src/providers';
import { SshPoller } from '../../controller/src/ssh';
import { openStore, type Store } from '../../controller/src/store';
import { FAKE_NVIDIA_SMI, writeFakeState } from '../../controller/src/fake-world/fake-nvidia-smi';
import { startVastFake, vastInstance, type VastFake } from '../../controller/src/fake-world/vast-fake';
import { fakeBinDir, generateKeyPair, startSshd, type Sshd } from '../../controller/src/fake-world/sshd';
import { makeTempDir } from '../helpers/temp-dir';

const tmp = makeTempDir('co-e2e-ssh-');
let sshd: Sshd;
let badSshd: Sshd;
let vast: VastFake;
let store: Store;
let key: string;

beforeAll(async () => {
  const keys = await generateKeyPair(join(tmp.path, 'id_ed25519'));
  key = keys.privateKey;
  const state = join(tmp.path, 'gpu.json');
  writeFakeState(state, { gpus: [{ util: 1 }, { util: 0 }] });
  sshd = await startSshd({
    dir: join(tmp.path, 'sshd'),
    authorizedKeys: [keys.publicKey],
    binDir: fakeBinDir(join(tmp.path, 'sshd'), FAKE_NVIDIA_SMI),
    env: { FAKE_NVIDIA_SMI_STATE: state },
  });
  // A second host whose nvidia-smi cannot reach the driver.
  const badState = join(tmp.path, 'bad-gpu.json');
  writeFakeState(badState, { mode: 'driver-fail' });
  badSshd = await startSshd({
    dir: join(tmp.path, 'sshd-bad'),
    authorizedKeys: [keys.publicKey],
    binDir: fakeBinDir(join(tmp.path, 'sshd-bad'), FAKE_NVIDIA_SMI),
    env: { FAKE_NVIDIA_SMI_STATE: badState },
  });
  const start = Math.floor(Date.now() / 1000) - 7200;
  vast = await startVastFake({
    transitionMs: 0,
    instances: [
      vastInstance({ id: 901, startDate: start, raw: { ssh_host: '127.0.0.1', ssh_port: sshd.port } }),
      vastInstance({ id: 902, startDate: start, raw: { ssh_host: '127.0.0.1', ssh_port: badSshd.port } }),
      // Refuses: nothing listens on port 1.
      vastInstance({ id: 903, startDate: start, raw: { ssh_host: '127.0.0.1', ssh_port: 1 } }),
    ],
  });
  store = openStore(join(tmp.path, 'co.db'));
});

afterAll(async () => {
  store?.close();
  await vast?.close();
  await sshd?.stop();
  await badSshd?.stop();
  tmp.cleanup();
});

describe('SSH fallback in the optimizer', () => {
  it('pauses the host whose SSH readings are idle, never the ones whose SSH fails', { timeout: 150_000 }, async () => {
    // The window is real time here: SSH samples carry the controller's clock.
    const config = parseConfig({
      DATA_DIR: tmp.path,
      PAUSE_WINDOW_MINUTES: '0.1',
      MIN_SAMPLES: '3',
      MAX_GAP_SECONDS: '20',
      CHECK_INTERVAL: '0.5',
      SSH_USER: sshd.user,
      SSH_KEY_PATH: key,
      SSH_TIMEOUT_SECONDS: '5',
    });
    const poller = new SshPoller({ config: { ...config.ssh, dataDir: tmp.path }, logger: silentLogger, backoff: { baseMs: 10, maxMs: 20 } });
    const opt = new CostOptimizer(config, { store, sshPoller: poller, logger: silentLogger, executor: { verifyAttempts: 3, verifyDelayMs: 50 } });
    opt.addProvider('vast', new VastAiProvider(vast.apiKey, { apiUrl: vast.url, minIntervalMs: { list: 0, show: 0, put: 0, destroy: 0 } }));

    // Cycles until the pause or a generous deadline: on a loaded machine one SSH round trip can take seconds.
    let paused = false;
    const deadline = Date.now() + 90_000;
    while (!paused && Date.now() < deadline) {
      const r = await opt.runOnce();
      paused = r.actions.some((a) => a.instanceId === 'vast:901' && a.kind === 'pause' && a.status === 'succeeded');
      if (!paused) await new Promise((res) => setTimeout(res, 400));
    }
    expect(paused).toBe(true);
    expect(vast.instances.get(901)!['intended_status']).toBe('stopped');
    expect(vast.instances.get(902)!['intended_status']).toBe('running');
    expect(vast.instances.get(903)!['intended_status']).toBe('running');
    expect(store.getInstance('vast:901')!.metricSource).toBe('ssh');
    const bad = store.lastSample('vast:902')!;
    expect(bad).toMatchObject({ source: 'ssh', unknown: true, utilMax: null });
    expect(store.lastSample('vast:903')).toMatchObject({ source: 'ssh', unknown: true });
    expect(store.listActions({ instanceId: 'vast:902' })).toEqual([]);
    expect(store.listActions({ instanceId: 'vast:903' })).toEqual([]);
    await opt.close();
  });
});
