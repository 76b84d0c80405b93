// Two real `serve` replicas on one throwaway PostgreSQL, real agents, the Vast.ai fake (docs/scale-out.md): one
// leads; a token minted on one works on the other; an idle instance whose agent is on the follower is paused once;
// a revoke on one closes the socket on the other; after kill -9 of the leader the survivor leads and pauses a new
// idle instance, with no second stop call for the first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVastFake, type VastFake } from '../../controller/src/fake-world/vast-fake';
import { ensureBuilt } from '../helpers/build';
import { waitFor } from '../helpers/in-process-controller';
import { killAllAgents, spawnAgent } from '../helpers/spawn-agent';
import { getJson, killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir, type TempDir } from '../helpers/temp-dir';
import { postgresUnavailable, startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres';
import { agentOnlyInstance, COMPRESSED_TIMINGS } from '../helpers/vast-rig';

const unavailable = postgresUnavailable();
const ADMIN = 'replica-admin-token-0123456789abcdef';
let pg: ThrowawayPostgres;
let vast: VastFake;
let tmp: TempDir;
const replicas: Record<string, SpawnedController> = {};

interface Health {
  ok: boolean;
  role: 'leader' | 'follower';
  replica: string;
  leader?: { replica: string | null; lastCycleAt: string | null };
}

const health = (c: SpawnedController) => getJson<Health>(`${c.url}/healthz`).catch(() => null);
const stops = (id: number) => vast.requests.filter((r) => r.method === 'PUT' && r.path === `/api/v0/instances/${id}/`).length;

async function startReplica(name: string, url: string): Promise<SpawnedController> {
  const c = await spawnController({
    dataDir: `${tmp.path}/${name}`,
    env: {
      VAST_API_KEY: vast.apiKey,
      VAST_API_URL: vast.url,
      DATABASE_URL: url,
      REPLICA_ID: name,
      LEADER_LEASE_SECONDS: '3',
      PROVIDER_TIMEOUT_SECONDS: '5',
      ADMIN_TOKEN: ADMIN,
      ...COMPRESSED_TIMINGS,
    },
  });
  replicas[name] = c;
  return c;
}

async function roles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, c] of Object.entries(replicas)) {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) continue;
    const h = await health(c);
    out[name] = h?.role ?? 'down';
  }
  return out;
}

describe.skipIf(unavailable !== null)(`two replicas on one PostgreSQL${unavailable ? ` (left out: ${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    ensureBuilt();
    tmp = makeTempDir('co-e2e-replicas-');
    pg = await startThrowawayPostgres();
    vast = await startVastFake({
      transitionMs: 200,
      instances: [
        agentOnlyInstance({ id: 801, label: 'idle-on-follower' }),
        agentOnlyInstance({ id: 802, label: 'busy-trainer' }),
        agentOnlyInstance({ id: 803, label: 'idle-after-failover' }),
      ],
    });
    const url = pg.createDatabase('replicas');
    // Started together: the migrations take turns under the advisory lock.
    await Promise.all([startReplica('a', url), startReplica('b', url)]);
  });

  afterAll(async () => {
    killAllAgents();
    killAllControllers();
    await vast?.close();
    await pg?.stop();
    tmp?.cleanup();
  });

  let leader: SpawnedController;
  let follower: SpawnedController;

  it('has exactly one leader, and the follower names it', async () => {
    const r = await waitFor(
      async () => {
        const now = await roles();
        return Object.values(now).filter((x) => x === 'leader').length === 1 && Object.values(now).filter((x) => x === 'follower').length === 1 ? now : false;
      },
      20_000,
      'one leader and one follower',
    );
    const leaderName = Object.keys(r).find((k) => r[k] === 'leader')!;
    leader = replicas[leaderName]!;
    follower = replicas[leaderName === 'a' ? 'b' : 'a']!;
    const fh = (await health(follower))!;
    expect(fh.ok).toBe(true);
    expect(fh.leader?.replica).toBe(leaderName);
    const metrics = await (await fetch(`${follower.url}/metrics`, { headers: follower.adminHeaders() })).text();
    expect(metrics).toMatch(/cost_optimizer_leader\{replica="(a|b)"\} 0/);
  });

  it('pauses, once, an idle instance whose agent reports to the follower with a token minted on the leader', async () => {
    const token = await leader.mintToken('vast:801');
    const agent = spawnAgent({ controllerWsUrl: follower.wsUrl, token, dir: tmp.path, name: 'idle801', state: { gpus: [{ util: 1 }] } });
    // The audit log is one table: the follower shows the leader's act.
    const actions = await waitFor(
      async () => {
        const list = await getJson<{ instanceId: string; kind: string; status: string }[]>(`${follower.url}/api/actions`, follower.adminHeaders());
        return list.some((a) => a.instanceId === 'vast:801' && a.kind === 'pause' && a.status === 'succeeded') ? list : false;
      },
      60_000,
      'a succeeded pause of vast:801',
    );
    expect(actions.filter((a) => a.instanceId === 'vast:801' && a.kind === 'pause')).toHaveLength(1);
    expect(vast.instances.get(801)!['intended_status']).toBe('stopped');
    // Not /401/: a log line's milliseconds can read .401 (13:06:08.401Z), as they once did.
    expect(agent.output()).not.toMatch(/token rejected|\b401\b|refused/i);
    expect(stops(801)).toBe(1);
    await agent.stop();
  });

  it('keeps a busy instance while a stolen copy of its token streams idle through the other replica', async () => {
    const token = await follower.mintToken('vast:802');
    const busy = spawnAgent({ controllerWsUrl: leader.wsUrl, token, dir: tmp.path, name: 'busy802', state: { gpus: [{ util: 95 }] } });
    await waitFor(
      async () =>
        (await getJson<{ instance: { agentConnected: boolean } }>(`${leader.url}/api/instances/vast:802`, leader.adminHeaders())).instance.agentConnected,
      20_000,
      'the real agent connected to the leader',
    );
    const thief = spawnAgent({ controllerWsUrl: follower.wsUrl, token, dir: tmp.path, name: 'thief802', state: { gpus: [{ util: 0 }] } });
    // One voice across replicas: the copy is refused while the real agent holds the instance on the other replica.
    await waitFor(() => /409|another agent/i.test(thief.output()), 20_000, 'the stolen token refused with 409').catch((err: unknown) => {
      throw new Error(`${String(err)}\nthief:\n${thief.output()}`);
    });
    // Several pause windows (6 s each) pass.
    await new Promise((r) => setTimeout(r, 10_000));
    expect(stops(802)).toBe(0);
    expect(vast.instances.get(802)!['intended_status']).toBe('running');
    await thief.stop();
    await busy.stop();
  });

  it('a revoke on one replica closes the agent socket on the other within seconds', async () => {
    const token = await leader.mintToken('manual:revoke-me');
    const agent = spawnAgent({ controllerWsUrl: follower.wsUrl, token, dir: tmp.path, name: 'revoked', state: { gpus: [{ util: 50 }] } });
    await waitFor(
      async () =>
        (await getJson<{ instance: { agentConnected: boolean } }>(`${follower.url}/api/instances/manual:revoke-me`, follower.adminHeaders())).instance
          .agentConnected,
      20_000,
      'agent connected to the follower',
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\nagent:\n${agent.output()}`);
    });
    const r = await fetch(`${leader.url}/api/tokens/manual:revoke-me`, { method: 'DELETE', headers: leader.adminHeaders() });
    expect(r.ok).toBe(true);
    await waitFor(
      async () =>
        !(await getJson<{ instance: { agentConnected: boolean } }>(`${follower.url}/api/instances/manual:revoke-me`, follower.adminHeaders())).instance
          .agentConnected,
      10_000,
      'the follower closed the revoked agent',
    );
    await agent.stop();
  });

  it('after kill -9 of the leader the survivor leads and pauses a new idle instance, with no second stop for the first', async () => {
    const token = await follower.mintToken('vast:803');
    await leader.kill9();
    const survivorName = follower === replicas['a'] ? 'a' : 'b';
    await waitFor(async () => (await health(follower))?.role === 'leader', 15_000, `replica ${survivorName} leads`);
    const agent = spawnAgent({ controllerWsUrl: follower.wsUrl, token, dir: tmp.path, name: 'idle803', state: { gpus: [{ util: 2 }] } });
    await waitFor(() => vast.instances.get(803)!['intended_status'] === 'stopped', 60_000, 'vast:803 stopped by the survivor');
    expect(stops(803)).toBe(1);
    expect(stops(801)).toBe(1);
    expect(stops(802)).toBe(0);
    await agent.stop();
  });
});
