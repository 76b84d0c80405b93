// The other side of trusted time (docs/security.md, "Time you can trust"): a real outage replay keeps counting for
// the time the controller could not see. Real processes: the built controller (serve) with the Vast.ai fake and a
// real agent (dist/agent.js) on a fake nvidia-smi. The GPU is busy while the controller watches, turns idle the moment
// the controller goes down, and stays idle through an outage longer than the pause window; the agent buffers and,
// once the controller is back on the same port, replays. Proves: the pause comes right after the replay, sooner than
// any agent streaming live from the reconnection could cause it, so the trusted-time floor did not throw the replayed
// outage away. (A guard against an over-strict rule: it passes on the code before the rule too.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVastFake, vastInstance, type VastFake } from '../../controller/src/fakes/vast-fake';
import { ensureBuilt } from '../helpers/build';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/in-process-controller';
import { killAllAgents, spawnAgent } from '../helpers/spawn-agent';
import { killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';

const ADMIN = 'security-test-admin-token-0123456789';
const WINDOW_MS = 30_000;
const MAX_GAP_MS = 3_000;
const OUTAGE_MS = WINDOW_MS + 5_000;
let vast: VastFake;
let controller: SpawnedController;
let tmp: ReturnType<typeof makeTempDir>;
let port: number;

const start = () =>
  spawnController({
    dataDir: tmp.path,
    env: {
      PORT: String(port),
      ADMIN_TOKEN: ADMIN,
      VAST_API_KEY: vast.apiKey,
      VAST_API_URL: vast.url,
      PAUSE_WINDOW_MINUTES: String(WINDOW_MS / 60_000),
      MIN_SAMPLES: '5',
      MAX_GAP_SECONDS: String(MAX_GAP_MS / 1000),
      CHECK_INTERVAL: '1',
      AGENT_SILENT_SECONDS: '5',
      MIN_INSTANCE_AGE_HOURS: '0',
    },
  });

beforeAll(async () => {
  ensureBuilt();
  tmp = makeTempDir('co-sec-replay-');
  port = await freePort();
  const now = Math.floor(Date.now() / 1000);
  vast = await startVastFake({
    transitionMs: 200,
    instances: [
      vastInstance({ id: 951, label: 'idle-during-outage', startDate: now - 7200, raw: { ssh_host: null, ssh_port: null, public_ipaddr: null, ports: {} } }),
    ],
  });
  controller = await start();
});

afterAll(async () => {
  killAllAgents();
  await controller?.stop();
  killAllControllers();
  await vast?.close();
  tmp?.cleanup();
});

const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
  const r = await fetch(controller.url + path, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...init.headers } });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return (await r.json()) as T;
};
const cycles = () => (controller.output().match(/cycle \d+:/g) ?? []).length;

describe('outage replay', () => {
  it('idle readings an agent buffered while the controller was down count toward the pause once replayed', { timeout: 180_000 }, async () => {
    const { token } = await api<{ token: string }>('/api/tokens', { method: 'POST', body: JSON.stringify({ instanceId: 'vast:951' }) });
    const agent = spawnAgent({ controllerWsUrl: controller.wsUrl, token, dir: tmp.path, name: 'replayer', state: { gpus: [{ util: 90 }] } });
    // Busy while watched for more than a window (restart grace over; nothing to pause).
    await waitFor(() => /agent connected: vast:951/.test(controller.output()), 30_000, 'the agent connected');
    await waitFor(() => cycles() >= WINDOW_MS / 1000 + 5, 90_000, 'a window of cycles');
    expect(await api<{ instanceId: string; kind: string }[]>('/api/actions')).toEqual([]);

    // The controller goes away; the GPU turns idle; the agent buffers.
    agent.setGpus({ gpus: [{ util: 0 }] });
    expect(await controller.stop()).toBe(0);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    controller = await start();

    const pause = await waitFor(
      async () =>
        (await api<{ instanceId: string; kind: string; at: string; reason: string }[]>('/api/actions')).find(
          (a) => a.instanceId === 'vast:951' && a.kind === 'pause',
        ) ?? false,
      90_000,
      'a pause of vast:951',
    );
    const line = controller
      .output()
      .split('\n')
      .find((l) => l.includes('agent connected: vast:951'));
    expect(line).toBeDefined();
    const reconnectedAt = Date.parse(line!.split(' ')[0]!);
    // Sooner than a whole window after the reconnection: the replayed outage is what covered the window.
    expect(Date.parse(pause.at) - reconnectedAt).toBeLessThan(WINDOW_MS - MAX_GAP_MS);
    expect(pause.reason).toMatch(/samples from agent/);
    await agent.stop();
  });
});
