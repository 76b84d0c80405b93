// The other side of trusted time (docs/security.md, "Time you can trust"): a real outage replay keeps counting for
// the time the controller could not see. Real processes: the built controller (serve) with the Vast.ai fake and a
// real agent (dist/agent.js) on a fake nvidia-smi. The GPU is busy while the controller watches, turns idle the moment
// the controller goes down, and stays idle through an outage longer than the pause window; the agent buffers and,
// once the controller is back on the same port, replays. Proves: the pause comes right after the replay, sooner than
// any agent streaming live from the reconnection could cause it, so the trusted-time floor did not throw the replayed
// outage away. (A guard against an over-strict rule: it passes on the code before the rule too.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/in-process-controller';
import { spawnAgent } from '../helpers/spawn-agent';
import { getJson, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { agentOnlyInstance, COMPRESSED_TIMINGS, startVastRig, stopVastRig, type VastRig } from '../helpers/vast-rig';

const ADMIN = 'security-test-admin-token-0123456789';
const WINDOW_MS = 30_000;
const MAX_GAP_MS = 3_000;
const OUTAGE_MS = WINDOW_MS + 5_000;
let controller: SpawnedController;
let tmp: ReturnType<typeof makeTempDir>;
let rig: VastRig;

beforeAll(async () => {
  tmp = makeTempDir('co-sec-replay-');
  // A fixed port: the controller restarted after the outage must be where the agent reconnects.
  const port = await freePort();
  rig = await startVastRig({
    dataDir: tmp.path,
    transitionMs: 200,
    instances: [agentOnlyInstance({ id: 951, label: 'idle-during-outage' })],
    env: {
      PORT: String(port),
      ADMIN_TOKEN: ADMIN,
      ...COMPRESSED_TIMINGS,
      PAUSE_WINDOW_MINUTES: String(WINDOW_MS / 60_000),
      MAX_GAP_SECONDS: String(MAX_GAP_MS / 1000),
    },
  });
  controller = rig.controller;
});

afterAll(() => stopVastRig({ controller, vast: rig?.vast, tmp }));

const api = <T>(path: string) => getJson<T>(controller.url + path, controller.adminHeaders());
const cycles = () => (controller.output().match(/cycle \d+:/g) ?? []).length;

describe('outage replay', () => {
  it('idle readings an agent buffered while the controller was down count toward the pause once replayed', { timeout: 180_000 }, async () => {
    const token = await controller.mintToken('vast:951');
    const agent = spawnAgent({ controllerWsUrl: controller.wsUrl, token, dir: tmp.path, name: 'replayer', state: { gpus: [{ util: 90 }] } });
    // Busy while watched for more than a window (restart grace over; nothing to pause).
    await waitFor(() => /agent connected: vast:951/.test(controller.output()), 30_000, 'the agent connected');
    await waitFor(() => cycles() >= WINDOW_MS / 1000 + 5, 90_000, 'a window of cycles');
    expect(await api<{ instanceId: string; kind: string }[]>('/api/actions')).toEqual([]);

    // The controller goes away; the GPU turns idle; the agent buffers.
    agent.setGpus({ gpus: [{ util: 0 }] });
    expect(await controller.stop()).toBe(0);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    controller = await rig.respawn();

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
