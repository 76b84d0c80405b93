// Zero-touch enrolment end to end with real processes: the built controller (serve) with the Vast.ai fake, real agents
// started with JOIN_TOKEN and VAST_CONTAINERLABEL only. The instance the fake lists at 127.0.0.1 (the address the
// agents connect from) enrols and streams; one listed at another address and one not listed are refused with the same
// answer on the wire and in the agent's line, while the controller's log names the check; a restart reuses the kept
// token even after the join token is revoked.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vastInstance, type VastFake } from '../../controller/src/fake-world/vast-fake';
import { CLI } from '../helpers/build';
import { waitFor } from '../helpers/in-process-controller';
import { spawnAgent, type SpawnedAgent } from '../helpers/spawn-agent';
import { getJson, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { startVastRig, stopVastRig } from '../helpers/vast-rig';

const run = promisify(execFile);
let vast: VastFake;
let controller: SpawnedController;
let tmp: ReturnType<typeof makeTempDir>;
let dir: string;

interface StatusInstance {
  id: string;
  metricSource: string;
  lastSample: { util: number | null } | null;
}

beforeAll(async () => {
  tmp = makeTempDir('co-e2e-enrol-');
  dir = tmp.path;
  ({ vast, controller } = await startVastRig({
    dataDir: join(dir, 'data'),
    instances: [
      // The agents connect over loopback, so 127.0.0.1 is "the instance's public address" here.
      vastInstance({ id: 801, label: 'render-1', raw: { public_ipaddr: '127.0.0.1' } }),
      vastInstance({ id: 802, label: 'elsewhere', raw: { public_ipaddr: '198.51.100.7' } }),
    ],
    env: { CHECK_INTERVAL: '1' },
  }));
  await waitFor(
    async () =>
      (await getJson<{ instances: StatusInstance[] }>(`${controller.url}/api/status`, controller.adminHeaders())).instances.some((i) => i.id === 'vast:801'),
    30_000,
    'inventory',
  );
});

afterAll(() => stopVastRig({ controller, vast, tmp }));

const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATA_DIR: controller.dataDir } });

function joinAgent(name: string, joinToken: string, env: Record<string, string>): SpawnedAgent {
  return spawnAgent({
    controllerWsUrl: controller.wsUrl,
    token: '',
    dir,
    name,
    state: { gpus: [{ util: 42 }] },
    env: { JOIN_TOKEN: joinToken, AGENT_STATE_DIR: join(dir, `${name}-state`), ...env },
  });
}

const claim = (joinToken: string, instanceId: string) =>
  fetch(`${controller.url}/agent/enrol`, {
    method: 'POST',
    headers: { authorization: `Bearer ${joinToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ v: 1, instanceId, source: 'override' }),
  }).then(async (r) => ({ status: r.status, body: await r.text() }));

describe('zero-touch enrolment', () => {
  let cliToken: { token: string; id: string };
  let apiToken: string;

  it('mints join tokens from the CLI and the API', async () => {
    const made = await cli('token', 'create', '--join');
    const id = /join token ([0-9a-f]{12}) created/.exec(made.stderr)?.[1];
    expect(made.stdout.trim()).toMatch(/^coj_[A-Za-z0-9_-]{43}$/);
    expect(id).toBeDefined();
    cliToken = { token: made.stdout.trim(), id: id! };
    const r = await fetch(`${controller.url}/api/tokens`, {
      method: 'POST',
      headers: { ...controller.adminHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify({ join: true, expiresInHours: 2 }),
    });
    expect(r.status).toBe(201);
    const body = (await r.json()) as { id: string; token: string; expiresAt: string };
    expect(body.token).toMatch(/^coj_/);
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    apiToken = body.token;
  });

  it('enrols a listed instance connecting from its public address, keeps the token 0600, and streams', async () => {
    const a = joinAgent('a', cliToken.token, { VAST_CONTAINERLABEL: 'C.801' });
    await waitFor(
      async () => {
        const s = await getJson<{ instances: StatusInstance[] }>(`${controller.url}/api/status`, controller.adminHeaders());
        const i = s.instances.find((x) => x.id === 'vast:801');
        return i?.metricSource === 'agent' && i.lastSample?.util === 42;
      },
      30_000,
      'samples from the enrolled agent',
    );
    const kept = join(dir, 'a-state', 'agent-token');
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(readFileSync(kept, 'utf8').trim()).toMatch(/^co_/);
    expect(a.output()).toContain('enrolled as vast:801');
    expect(controller.output()).toContain('enrolment granted: vast:801 from 127.0.0.1');
    // Neither token reaches a log.
    expect(a.output()).not.toContain(cliToken.token);
    expect(a.output()).not.toContain(readFileSync(kept, 'utf8').trim());
    expect(controller.output()).not.toContain(cliToken.token);
    await a.stop();
  });

  it('refuses a claim from an address the provider does not list, and for an unlisted instance, the same way', async () => {
    const b = joinAgent('b', apiToken, { VAST_CONTAINERLABEL: 'C.802' });
    const c = joinAgent('c', apiToken, { INSTANCE_ID: 'vast:803' });
    await waitFor(() => /enrolment as vast:802 refused/.test(b.output()) && /enrolment as vast:803 refused/.test(c.output()), 30_000, 'refusals');
    const out = controller.output();
    expect(out).toContain('enrolment refused: vast:802 from 127.0.0.1: the claim came from 127.0.0.1, its provider lists 198.51.100.7');
    expect(out).toContain('enrolment refused: vast:803 from 127.0.0.1: no provider inventory lists this instance');
    // The agent's line names every condition and none in particular; the listed address never reaches the caller.
    const line = (o: string) => /enrolment as vast:\d+ (refused.*)/.exec(o)?.[1];
    expect(line(b.output())).toBe(line(c.output()));
    expect(b.output()).not.toContain('198.51.100.7');
    expect(existsSync(join(dir, 'b-state', 'agent-token'))).toBe(false);
    expect(existsSync(join(dir, 'c-state', 'agent-token'))).toBe(false);
    await Promise.all([b.stop(), c.stop()]);

    // On the wire: one answer for every refusal, whatever failed.
    const wrongAddress = await claim(apiToken, 'vast:802');
    const unlisted = await claim(apiToken, 'vast:803');
    const badToken = await claim('coj_' + 'x'.repeat(43), 'vast:801');
    expect(wrongAddress).toEqual({ status: 403, body: '{"error":"enrolment refused"}' });
    expect(unlisted).toEqual(wrongAddress);
    expect(badToken).toEqual(wrongAddress);
  });

  it('refuses a claim for an instance whose agent is connected', async () => {
    // The restarted agent reuses its kept token (below); while it is connected nobody else may claim vast:801.
    const a = joinAgent('a', 'coj_' + 'r'.repeat(43), { VAST_CONTAINERLABEL: 'C.801' });
    a.setGpus({ gpus: [{ util: 55 }] });
    await waitFor(
      async () => {
        const s = await getJson<{ instances: StatusInstance[] }>(`${controller.url}/api/status`, controller.adminHeaders());
        return s.instances.find((x) => x.id === 'vast:801')?.lastSample?.util === 55;
      },
      30_000,
      'samples over the kept token',
    );
    expect(a.output()).toContain('using the agent token kept');
    expect(await claim(apiToken, 'vast:801')).toEqual({ status: 403, body: '{"error":"enrolment refused"}' });
    await waitFor(() => controller.output().includes('vast:801 from 127.0.0.1: an agent is already connected for it'), 10_000, 'log line');
    await a.stop();
  });

  it('a restarted agent reuses its kept token after the join token is revoked', async () => {
    const revoked = await cli('token', 'revoke', '--join', cliToken.id);
    expect(revoked.stderr).toContain(`join token ${cliToken.id} revoked`);
    const listed = await cli('token', 'list', '--join');
    expect(listed.stdout).toMatch(new RegExp(`${cliToken.id} .*Z\\s*$`, 'm'));
    const before = controller.output().split('enrolment granted: vast:801').length;
    const a = joinAgent('a', cliToken.token, { VAST_CONTAINERLABEL: 'C.801' });
    await waitFor(() => a.output().includes('using the agent token kept'), 30_000, 'kept token');
    // It streams again: a fresh sample with the new reading.
    a.setGpus({ gpus: [{ util: 77 }] });
    await waitFor(
      async () => {
        const s = await getJson<{ instances: StatusInstance[] }>(`${controller.url}/api/status`, controller.adminHeaders());
        return s.instances.find((x) => x.id === 'vast:801')?.lastSample?.util === 77;
      },
      30_000,
      'samples after restart',
    );
    expect(controller.output().split('enrolment granted: vast:801').length).toBe(before);
    // The revoked join token no longer enrols anyone.
    expect((await claim(cliToken.token, 'vast:801')).status).toBe(403);
    await a.stop();
  });
});
