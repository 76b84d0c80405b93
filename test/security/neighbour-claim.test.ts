// Attack: neighbours on one public address (docs/security.md, "Neighbours on one address"). Vast.ai runs several
// instances behind one machine's address; root on any fleet host has the join token. Real processes: the built
// controller (serve) with the Vast.ai fake and a webhook receiver, real agents (dist/agent.js) on a fake nvidia-smi.
// The fake lists two instances at 127.0.0.1 (the address every agent here connects from): vast:901, a busy neighbour
// with no agent (Vast reports gpu_util 97 %), and vast:902, the attacker's own. Compressed timings: a 6-second pause
// window, a cycle every second.
// Before: the claim for vast:901 from the shared address was granted, the attacker's agent streamed 0 %, the provider's
// figure was no longer collected for an instance with an agent, and the busy neighbour was paused seconds later.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VastFake } from '../../controller/src/fake-world/vast-fake';
import { CLI } from '../helpers/build';
import { waitFor } from '../helpers/in-process-controller';
import { spawnAgent } from '../helpers/spawn-agent';
import { getJson, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { agentOnlyInstance, COMPRESSED_TIMINGS, NO_SSH, startVastRig, stopVastRig } from '../helpers/vast-rig';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const run = promisify(execFile);
const ADMIN = 'security-test-admin-token-0123456789';
const SHARED = { ...NO_SSH, public_ipaddr: '127.0.0.1' };
let vast: VastFake;
let hook: WebhookReceiver;
let controller: SpawnedController;
let tmp: ReturnType<typeof makeTempDir>;

beforeAll(async () => {
  tmp = makeTempDir('co-sec-neighbour-');
  hook = await startWebhookReceiver('/services/T0/B0/secret');
  ({ vast, controller } = await startVastRig({
    dataDir: join(tmp.path, 'data'),
    transitionMs: 200,
    instances: [
      agentOnlyInstance({ id: 901, label: 'busy-neighbour', gpuUtil: 97, raw: SHARED }),
      agentOnlyInstance({ id: 902, label: 'attacker', gpuUtil: 0, raw: SHARED }),
    ],
    env: { ADMIN_TOKEN: ADMIN, WEBHOOK_URL: hook.url, ...COMPRESSED_TIMINGS },
  }));
  await waitFor(async () => (await api<{ instances: { id: string }[] }>('/api/status')).instances.some((i) => i.id === 'vast:901'), 30_000, 'inventory');
});

afterAll(() => stopVastRig({ controller, vast, hook, tmp }));

const api = <T>(path: string) => getJson<T>(controller.url + path, controller.adminHeaders());
const cycles = () => (controller.output().match(/cycle \d+:/g) ?? []).length;
const pausesOf = async (id: string) =>
  (await api<{ instanceId: string; kind: string }[]>('/api/actions')).filter((a) => a.instanceId === id && a.kind === 'pause');

async function joinToken(): Promise<string> {
  const r = await fetch(`${controller.url}/api/tokens`, {
    method: 'POST',
    headers: { ...controller.adminHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify({ join: true }),
  });
  return ((await r.json()) as { token: string }).token;
}

describe('neighbours on one address', () => {
  it('a host with the join token cannot claim a busy neighbour on its address, and streaming idle for it pauses nothing', { timeout: 120_000 }, async () => {
    const join_ = await joinToken();
    const rogue = spawnAgent({
      controllerWsUrl: controller.wsUrl,
      token: '',
      dir: tmp.path,
      name: 'rogue',
      state: { gpus: [{ util: 0 }] },
      env: { JOIN_TOKEN: join_, INSTANCE_ID: 'vast:901', AGENT_STATE_DIR: join(tmp.path, 'rogue-state') },
    });
    await waitFor(() => /enrolment refused: vast:901/.test(controller.output()), 30_000, 'the refusal');
    // The log says why: the address is shared, so it proves nothing.
    expect(controller.output()).toMatch(
      /enrolment refused: vast:901 from 127\.0\.0\.1: its address 127\.0\.0\.1 is shared with other listed instances \(vast:902\): an address proves nothing/,
    );
    const from = cycles();
    await waitFor(() => cycles() >= from + 15, 90_000, '15 more cycles');
    expect(await pausesOf('vast:901')).toEqual([]);
    expect(vast.instances.get(901)!['intended_status']).toBe('running');
    await rogue.stop();
  });

  it('a busy provider figure vetoes a pause even while an agent streams idle for the instance', { timeout: 120_000 }, async () => {
    // As if the claim had gone through (or the token was copied off the host): an agent reports 0 % for vast:901.
    const token = await controller.mintToken('vast:901');
    const liar = spawnAgent({ controllerWsUrl: controller.wsUrl, token, dir: tmp.path, name: 'liar', state: { gpus: [{ util: 0 }] } });
    await waitFor(
      async () =>
        (await api<{ instances: { id: string; metricSource: string }[] }>('/api/status')).instances.some(
          (i) => i.id === 'vast:901' && i.metricSource === 'agent',
        ),
      30_000,
      'agent samples',
    );
    const from = cycles();
    await waitFor(() => cycles() >= from + 15, 90_000, '15 more cycles');
    expect(await pausesOf('vast:901')).toEqual([]);
    expect(vast.requests.filter((r) => r.method === 'PUT')).toEqual([]);
    const { stdout } = await run(process.execPath, [CLI, 'explain', 'vast:901', '--url', controller.url], {
      env: { PATH: process.env.PATH ?? '', ADMIN_TOKEN: ADMIN },
    });
    // The agent stays the metric source; the provider's busy figure fails the pause rule.
    expect(stdout).toMatch(/metric source:\s+agent/);
    expect(stdout).toMatch(/\[no\] busy\s+GPU busy: 97\.0% from provider/);

    // A claim for the instance that now has an agent is a contest: WARN and a notification naming the addresses.
    const r = await fetch(`${controller.url}/agent/enrol`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await joinToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ v: 1, instanceId: 'vast:901', source: 'override' }),
    });
    expect(r.status).toBe(403);
    await waitFor(() => hook.texts.some((m) => m.includes('vast:901') && m.includes('claimed an instance that has an agent')), 20_000, 'the notification');
    const warn = controller
      .output()
      .split('\n')
      .find((l) => /WARN/.test(l) && l.includes('vast:901') && l.includes('claimed an instance that has an agent'));
    expect(warn).toMatch(/addresses 127\.0\.0\.1:\d+, 127\.0\.0\.1/);
    await liar.stop();
  });
});
