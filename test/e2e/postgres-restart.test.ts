// Two real `serve` replicas survive a restart of their PostgreSQL (docs/scale-out.md, "Unknown is not leadership"):
// the server dies by kill -9 and comes back on the same port and data. While it is down both processes keep running,
// /healthz answers 503 "database unavailable" and no provider is called to stop anything; once it is back, within a
// few lease periods, exactly one replica leads, the agents' new samples are stored, an instance that fell idle during
// the outage is paused exactly once, and a token minted after the restart lets an agent in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VastFake } from '../../controller/src/fake-world/vast-fake';
import type { PgDatabase } from '../../controller/src/store/sql/pg-database';
import { waitFor } from '../helpers/in-process-controller';
import { startReplicaRig, type ReplicaRig } from '../helpers/replica-rig';
import type { ReplicaSet } from '../helpers/replica-set';
import { spawnAgent, type SpawnedAgent } from '../helpers/spawn-agent';
import type { SpawnedController } from '../helpers/spawn-controller';
import type { TempDir } from '../helpers/temp-dir';
import { postgresUnavailable, type ThrowawayPostgres } from '../helpers/throwaway-postgres';
import { agentOnlyInstance, stopCalls } from '../helpers/vast-rig';

const unavailable = postgresUnavailable();
const ADMIN = 'pg-restart-admin-token-0123456789abcdef';
const LEASE_SEC = 3;
const NAMES = ['a', 'b'];
/** How long PostgreSQL stays down: past the lease (3 s) and the pause window (6 s), so a leader would act if it could. */
const OUTAGE_MS = 10_000;
/** Generous bounds for shared, loaded machines: the lease logic promises a leader a lease plus a cycle after it answers. */
const RECOVERY_MS = 60_000;

let rig: ReplicaRig | undefined;
let pg: ThrowawayPostgres;
let db: PgDatabase;
let vast: VastFake;
let tmp: TempDir;
let set: ReplicaSet;
const agents = new Map<number, SpawnedAgent>();

/** Stored samples of an instance whose readings ended after `afterMs` (epoch ms; agents and replicas share this clock). */
const samplesAfter = (instanceId: string, afterMs: number) =>
  db.prepare(`SELECT count(*) FROM samples s JOIN instances i ON i.key = s.inst WHERE i.id = ? AND s.t1 > ?`).pluck().get(instanceId, afterMs) as number;
const pauseRows = (instanceId: string) =>
  db.prepare(`SELECT status FROM actions WHERE instance_id = ? AND kind = 'pause' ORDER BY id`).pluck().all(instanceId) as string[];

/** /healthz's status and body, or null when the replica does not answer within 5 s (a blocked event loop). */
async function healthz(c: SpawnedController): Promise<{ status: number; body: Record<string, unknown> } | null> {
  try {
    const r = await fetch(`${c.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  } catch {
    return null;
  }
}

/** The replicas' log tails, for a failure message. */
const logs = () => NAMES.map((n) => `--- replica ${n}:\n${set.get(n).output().slice(-4000)}`).join('\n');

describe.skipIf(unavailable !== null)(`two replicas across a PostgreSQL restart${unavailable ? ` (left out: ${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    rig = await startReplicaRig({
      name: 'pg-restart',
      replicas: NAMES,
      leaseSeconds: LEASE_SEC,
      adminToken: ADMIN,
      vast: {
        transitionMs: 200,
        instances: [
          agentOnlyInstance({ id: 701, label: 'busy-through-the-outage' }),
          agentOnlyInstance({ id: 702, label: 'idle-from-the-kill' }),
          agentOnlyInstance({ id: 703, label: 'enrolled-after-the-restart' }),
        ],
      },
    });
    ({ pg, db, vast, tmp, set } = rig);
  }, 90_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('before the outage: one leader, both agents stream, nothing is stopped', async () => {
    const leader = await set.waitForOneLeader(RECOVERY_MS);
    const follower = NAMES.find((n) => n !== leader)!;
    // One agent on each replica, both busy: nothing may be paused before the kill.
    for (const [id, on] of [
      [701, leader],
      [702, follower],
    ] as const) {
      const token = await set.get(on).mintToken(`vast:${id}`);
      agents.set(id, spawnAgent({ controllerWsUrl: set.agentUrls(on).join(','), token, dir: tmp.path, name: `agent${id}`, state: { gpus: [{ util: 90 }] } }));
    }
    const since = Date.now();
    await waitFor(() => samplesAfter('vast:701', since) > 0 && samplesAfter('vast:702', since) > 0, RECOVERY_MS, 'samples of both agents stored').catch(
      (err: unknown) => {
        throw new Error(`${String(err)}\n${agents.get(701)!.output()}\n${agents.get(702)!.output()}`);
      },
    );
    expect(stopCalls(vast, 701) + stopCalls(vast, 702)).toBe(0);
  }, 120_000);

  it('with PostgreSQL killed: both replicas keep running, /healthz says the database is unavailable, no stop is sent', async () => {
    // 702 falls idle as the server dies: its pause window fills while nobody can prove a lease.
    agents.get(702)!.setGpus({ gpus: [{ util: 0 }] });
    pg.kill();
    const killedAt = Date.now();
    let answers = 0;
    while (Date.now() - killedAt < OUTAGE_MS) {
      for (const name of NAMES) {
        const c = set.get(name);
        expect(c.proc.exitCode, `replica ${name} exited:\n${c.output().slice(-4000)}`).toBeNull();
        expect(c.proc.signalCode).toBeNull();
        const h = await healthz(c);
        expect(h, `replica ${name}'s /healthz did not answer`).not.toBeNull();
        // The first probe after the kill may still find the connection looking good (the kill takes a moment to land).
        if (Date.now() - killedAt < 1_000 && h!.status === 200) continue;
        expect(h).toEqual({ status: 503, body: { ok: false, error: 'database unavailable' } });
        answers++;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(answers).toBeGreaterThan(10);
    expect(stopCalls(vast, 701) + stopCalls(vast, 702) + stopCalls(vast, 703)).toBe(0);
    // Both replicas noticed, and said so (the leader lease's loop logs the lost database once).
    for (const name of NAMES) expect(set.get(name).output()).toMatch(/leader lease: cannot reach the database, acting as a follower/);
  }, 60_000);

  it('after start(): one leader within a few leases, samples stored again, the idle instance paused once, a new token works', async () => {
    await pg.start();
    const restartedAt = Date.now();
    const leader = await set.waitForOneLeader(RECOVERY_MS).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${logs()}`);
    });
    // How long each step took after the server was back, printed at the end (these machines are shared and slow).
    const steps: string[] = [];
    const mark = (what: string) => steps.push(`${what} +${Date.now() - restartedAt} ms`);
    mark(`one leader (${leader})`);
    const follower = NAMES.find((n) => n !== leader)!;
    // The leader's loop finishes cycles again (a 503 for a stale loop would mean it gave up or hangs).
    await waitFor(
      async () => (await Promise.all(NAMES.map(async (n) => (await healthz(set.get(n)))?.status))).every((s) => s === 200),
      RECOVERY_MS,
      'both replicas healthy',
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${JSON.stringify(await Promise.all(NAMES.map((n) => healthz(set.get(n)))))}\n${logs()}`);
    });
    mark('both healthy');

    // Readings taken after the restart reach the store through both replicas.
    await waitFor(
      () => samplesAfter('vast:701', restartedAt) >= 3 && samplesAfter('vast:702', restartedAt) >= 3,
      RECOVERY_MS,
      'new samples of both agents stored',
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${logs()}\n--- agent 701:\n${agents.get(701)!.output()}\n--- agent 702:\n${agents.get(702)!.output()}`);
    });
    mark('new samples stored');

    // The instance idle since the kill is paused, by the leader, once.
    await waitFor(() => vast.instances.get(702)!['intended_status'] === 'stopped', RECOVERY_MS, 'vast:702 stopped').catch((err: unknown) => {
      throw new Error(`${String(err)}\nstops of 702: ${stopCalls(vast, 702)}\n${logs()}`);
    });
    await waitFor(() => pauseRows('vast:702').includes('succeeded'), RECOVERY_MS, 'the pause of vast:702 recorded as succeeded');
    mark('vast:702 paused');

    // A token minted after the restart (on the follower) lets an agent in on the leader, and its samples are stored.
    const token = await set.get(follower).mintToken('vast:703');
    const mintedAt = Date.now();
    agents.set(703, spawnAgent({ controllerWsUrl: set.get(leader).wsUrl, token, dir: tmp.path, name: 'agent703', state: { gpus: [{ util: 90 }] } }));
    await waitFor(() => set.agentConnectedOn(leader, 'vast:703'), RECOVERY_MS, 'the agent of vast:703 connected').catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- agent 703:\n${agents.get(703)!.output()}`);
    });
    expect(agents.get(703)!.output()).not.toMatch(/\b401\b|refused/i);
    await waitFor(() => samplesAfter('vast:703', mintedAt) > 0, RECOVERY_MS, 'samples of vast:703 stored');
    mark('vast:703 enrolled and stored');
    console.log(`after the PostgreSQL restart: ${steps.join(', ')}`);

    // A few more cycles, for a second stop to show: none comes, and only the idle instance was ever stopped.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(stopCalls(vast, 702)).toBe(1);
    expect(pauseRows('vast:702')).toEqual(['succeeded']);
    expect(stopCalls(vast, 701)).toBe(0);
    expect(stopCalls(vast, 703)).toBe(0);
    expect(Object.values(await set.roles()).sort()).toEqual(['follower', 'leader']);
    for (const a of agents.values()) await a.stop();
  }, 240_000);
});
