// Attack: a stolen agent token used by a second agent that reports 0 % for a busy instance (docs/security.md, "One
// voice per instance"). Real processes: the built controller (serve) with the Vast.ai fake and a webhook receiver,
// the real agent (dist/agent.js) on a fake nvidia-smi at 100 %, and a second real agent process with the SAME token
// at 0 %. Compressed timings: a 6-second pause window, a cycle every second, so a thief's idle samples would pause
// the instance within a few cycles (as they did before the one-voice rule: the newcomer superseded the real agent).
// Proves: the busy instance is not paused, the operator gets a WARN line and a notification naming both addresses,
// and `explain` says why.
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
const ADMIN = 'security-test-admin-token-0123456789';
let vast: VastFake;
let hook: WebhookReceiver;
let controller: SpawnedController;
let tmp: ReturnType<typeof makeTempDir>;

beforeAll(async () => {
  tmp = makeTempDir('co-sec-stolen-');
  hook = await startWebhookReceiver('/services/T0/B0/secret');
  ({ vast, controller } = await startVastRig({
    dataDir: tmp.path,
    transitionMs: 200,
    instances: [agentOnlyInstance({ id: 801, label: 'busy-trainer' })],
    env: { ADMIN_TOKEN: ADMIN, WEBHOOK_URL: hook.url, ...COMPRESSED_TIMINGS },
  }));
});

afterAll(() => stopVastRig({ controller, vast, hook, tmp }));

const api = <T>(path: string) => getJson<T>(controller.url + path, controller.adminHeaders());
const cycles = () => (controller.output().match(/cycle \d+:/g) ?? []).length;

describe('stolen agent token', () => {
  it('a second agent with the same token reporting 0 % never gets the busy instance paused, and the operator is told', { timeout: 120_000 }, async () => {
    const token = await controller.mintToken('vast:801');
    const real = spawnAgent({ controllerWsUrl: controller.wsUrl, token, dir: tmp.path, name: 'real', state: { gpus: [{ util: 100 }] } });
    await waitFor(() => /agent connected: vast:801/.test(controller.output()), 30_000, 'the real agent connected');
    await waitFor(
      async () =>
        (await api<{ instances: { id: string; metricSource: string }[] }>('/api/status')).instances.some(
          (i) => i.id === 'vast:801' && i.metricSource === 'agent',
        ),
      30_000,
      'agent samples',
    );

    // The thief: the real agent program, the stolen token, an idle GPU.
    const thief = spawnAgent({ controllerWsUrl: controller.wsUrl, token, dir: tmp.path, name: 'thief', state: { gpus: [{ util: 0 }] } });
    // Two whole pause windows' worth of cycles (6 s window, 1 s cycles) after the thief started.
    const from = cycles();
    await waitFor(() => cycles() >= from + 15, 90_000, '15 more cycles');

    // Not paused: no pause in the audit log, the provider never saw a stop.
    const actions = await api<{ instanceId: string; kind: string }[]>('/api/actions');
    expect(actions.filter((a) => a.instanceId === 'vast:801' && a.kind === 'pause')).toEqual([]);
    expect(vast.requests.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(vast.instances.get(801)!['intended_status']).toBe('running');

    // The operator is told: one WARN line and one notification, each naming both remote addresses.
    const warn = controller
      .output()
      .split('\n')
      .find((l) => /WARN/.test(l) && l.includes('vast:801') && l.includes('Two agents report'));
    expect(warn, controller.output()).toBeDefined();
    const addresses = [...warn!.matchAll(/127\.0\.0\.1:\d+/g)].map((m) => m[0]);
    expect(new Set(addresses).size).toBe(2);
    await waitFor(() => hook.texts.some((m) => m.includes('vast:801') && m.includes('Two agents report')), 20_000, 'the notification');
    const note = hook.texts.find((m) => m.includes('Two agents report'))!;
    for (const a of addresses) expect(note).toContain(a);
    expect(thief.output()).toMatch(/another agent is connected with this token/);

    // The real agent kept its connection: its busy samples are what the controller stores.
    const status = await api<{ instances: { id: string; lastSample: { util: number | null } | null }[] }>('/api/status');
    expect(status.instances.find((i) => i.id === 'vast:801')!.lastSample!.util).toBe(100);

    const { stdout } = await run(process.execPath, [CLI, 'explain', 'vast:801', '--url', controller.url], {
      env: { PATH: process.env.PATH ?? '', ADMIN_TOKEN: ADMIN },
    });
    expect(stdout).toMatch(/decision:\s+KEEP/);
    expect(stdout).toMatch(/kept: two agents report for this instance \(addresses 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+\)/);
    await thief.stop();
    await real.stop();
  });
});
