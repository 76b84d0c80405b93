// A warning before a pause, end to end on a compressed timeline: the built controller (a real process) with the
// Vast.ai fake, real agents on fake nvidia-smi and a real webhook receiver on loopback. The idle instance gets a
// warning naming it before its pause; the pause message carries its name, its price per hour and a PUBLIC_URL link
// to its row on the dashboard. Timings: a 12 s pause window, a 6 s warning, a cycle every second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VastFake } from '../../controller/src/fake-world/vast-fake';
import { waitFor } from '../helpers/in-process-controller';
import { spawnAgent } from '../helpers/spawn-agent';
import { getJson, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { agentOnlyInstance, COMPRESSED_TIMINGS, startVastRig, stopVastRig } from '../helpers/vast-rig';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const PUBLIC_URL = 'https://co.example.test';
let vast: VastFake;
let hook: WebhookReceiver;
let controller: SpawnedController;
const tmp = makeTempDir('co-e2e-warn-');

beforeAll(async () => {
  hook = await startWebhookReceiver();
  const { MIN_INSTANCE_AGE_HOURS: _default, ...timings } = COMPRESSED_TIMINGS; // this one keeps the default minimum age
  ({ vast, controller } = await startVastRig({
    dataDir: tmp.path,
    transitionMs: 200,
    instances: [
      agentOnlyInstance({ id: 801, label: 'render-farm-7', gpuName: 'RTX 4090', dphTotal: 0.45 }),
      agentOnlyInstance({ id: 802, label: 'busy-trainer' }),
    ],
    env: { WEBHOOK_URL: hook.url, PUBLIC_URL, ...timings, PAUSE_WINDOW_MINUTES: '0.2', PAUSE_WARNING_MINUTES: '0.1' },
  }));
});

afterAll(() => stopVastRig({ controller, vast, hook, tmp }));

describe('pause warning end to end', () => {
  it('warns, naming the instance, before the pause; the pause message has the name, $/h and a PUBLIC_URL link', async () => {
    const idle = spawnAgent({
      controllerWsUrl: controller.wsUrl,
      token: await controller.mintToken('vast:801'),
      dir: tmp.path,
      name: 'idle',
      state: { gpus: [{ util: 1 }] },
    });
    const busy = spawnAgent({
      controllerWsUrl: controller.wsUrl,
      token: await controller.mintToken('vast:802'),
      dir: tmp.path,
      name: 'busy',
      state: { gpus: [{ util: 93 }] },
    });

    const pausedAt = await waitFor(
      () => {
        const i = hook.texts.findIndex((t) => t.startsWith(':pause_button: Paused'));
        return i >= 0 ? i : false;
      },
      90_000,
      'the pause message',
    );
    const warnAt = hook.texts.findIndex((t) => t.startsWith(':hourglass:'));
    expect(warnAt).toBeGreaterThanOrEqual(0);
    expect(warnAt).toBeLessThan(pausedAt);
    const warning = hook.texts[warnAt]!;
    expect(warning).toMatch(
      /^:hourglass: \*render-farm-7\* \(vast:801; Vast\.ai, RTX 4090, \$0\.450\/h\) will be paused at \d\d:\d\d UTC unless it gets busy\. GPU idle for \d+ s/,
    );
    expect(warning).toContain('Pausing saves $0.448/h');
    expect(warning).toContain(`<${PUBLIC_URL}/#i-vast%3A801|hold it on the dashboard>`);
    const paused = hook.texts[pausedAt]!;
    expect(paused).toContain('*render-farm-7* (vast:801; Vast.ai, RTX 4090, $0.450/h)');
    expect(paused).toContain(`<${PUBLIC_URL}/#i-vast%3A801|`);
    expect(paused).toMatch(/GPU idle for \d+ s \(avg [\d.]+%, max [\d.]+%/);
    // Nothing about the busy one; the audit rows are in order: the warning before the pause.
    expect(hook.texts.some((t) => t.includes('vast:802'))).toBe(false);
    const detail = await getJson<{ actions: { kind: string; status: string; at: string }[] }>(
      `${controller.url}/api/instances/vast:801`,
      controller.adminHeaders(),
    );
    const kinds = detail.actions.map((a) => a.kind).reverse();
    expect(kinds.indexOf('warn-pause')).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf('warn-pause')).toBeLessThan(kinds.indexOf('pause'));
    expect(vast.instances.get(801)!['intended_status']).toBe('stopped');
    expect(vast.instances.get(802)!['intended_status']).toBe('running');
    await idle.stop();
    await busy.stop();
  });
});
