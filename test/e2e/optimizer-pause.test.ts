// End to end with real processes: the built controller (serve) with the Vast.ai fake, two real agents on fake
// nvidia-smi, a webhook receiver. The idle instance is paused, the busy one is not; /api/actions, the webhook and
// `cost-optimizer explain` all show it. Timings compressed: a 6-second pause window, a cycle every second.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VastFake } from '../../controller/src/fake-world/vast-fake';
import { CLI } from '../helpers/build';
import { waitFor } from '../helpers/in-process-controller';
import { spawnAgent } from '../helpers/spawn-agent';
import { getJson, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { agentOnlyInstance, COMPRESSED_TIMINGS, startVastRig, stopVastRig } from '../helpers/vast-rig';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const run = promisify(execFile);
let vast: VastFake;
let hook: WebhookReceiver;
let controller: SpawnedController;
let tmp: ReturnType<typeof makeTempDir>;
let dir: string;

beforeAll(async () => {
  tmp = makeTempDir('co-e2e-pause-');
  dir = tmp.path;
  hook = await startWebhookReceiver('/services/T0/B0/secret');
  ({ vast, controller } = await startVastRig({
    dataDir: dir,
    transitionMs: 200,
    instances: [agentOnlyInstance({ id: 701, label: 'idle-notebook' }), agentOnlyInstance({ id: 702, label: 'busy-trainer' })],
    env: { WEBHOOK_URL: hook.url, ...COMPRESSED_TIMINGS },
  }));
});

afterAll(() => stopVastRig({ controller, vast, hook, tmp }));

const api = <T>(path: string) => getJson<T>(controller.url + path, controller.adminHeaders());

describe('optimizer end to end', () => {
  it('pauses the idle agent instance, keeps the busy one, and says why', async () => {
    // Tokens through the HTTP API; the next inventory fills the instances in.
    const idle = spawnAgent({
      controllerWsUrl: controller.wsUrl,
      token: await controller.mintToken('vast:701'),
      dir,
      name: 'idle',
      state: { gpus: [{ util: 1 }] },
    });
    const busy = spawnAgent({
      controllerWsUrl: controller.wsUrl,
      token: await controller.mintToken('vast:702'),
      dir,
      name: 'busy',
      state: { gpus: [{ util: 93 }] },
    });

    const actions = await waitFor(
      async () => {
        const list = await api<{ instanceId: string; kind: string; status: string; reason: string }[]>('/api/actions');
        return list.some((x) => x.instanceId === 'vast:701' && x.kind === 'pause' && x.status === 'succeeded') ? list : false;
      },
      60_000,
      'a succeeded pause of vast:701',
    );
    expect(actions.filter((a) => a.instanceId === 'vast:702')).toEqual([]);
    expect(vast.instances.get(701)!['intended_status']).toBe('stopped');
    expect(vast.instances.get(702)!['intended_status']).toBe('running');
    // The provider saw exactly one stop, for the idle instance.
    const puts = vast.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.path)).toEqual(['/api/v0/instances/701/']);

    const status = await api<{ instances: { id: string; state: string; metricSource: string }[] }>('/api/status');
    expect(status.instances.find((i) => i.id === 'vast:702')).toMatchObject({ state: 'running', metricSource: 'agent' });

    await waitFor(() => hook.texts.some((m) => m.startsWith(':pause_button: Paused *idle-notebook* (vast:701;')), 20_000, 'the webhook message');
    expect(hook.texts.some((m) => m.includes('vast:702'))).toBe(false);
    expect(controller.output()).toMatch(
      /PAUSE: vast:701 \(RTX 4090\) - GPU avg=[\d.]+% max=[\d.]+% over 0\.1 min, \d+ samples from agent \(threshold=10\.0%\)/,
    );
    expect(controller.output()).not.toContain('secret');

    const { stdout } = await run(process.execPath, [CLI, 'explain', 'vast:702', '--url', controller.url], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: controller.dataDir },
    });
    expect(stdout).toMatch(/decision:\s+KEEP/);
    expect(stdout).toMatch(/busy|93/);
    const paused = await run(process.execPath, [CLI, 'status', '--url', controller.url], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: controller.dataDir },
    });
    expect(paused.stdout).toMatch(/vast:702\s+vast\s+running/);
    await idle.stop();
    await busy.stop();
  });
});
