// One CONTROLLER_URL behind a load balancer (issue 19, docs/scale-out.md): a real nginx on loopback balancing HTTP and
// WebSocket upgrades over two `serve` replicas on one throwaway PostgreSQL; a real agent (dist/agent.js, fake
// nvidia-smi) given only nginx's URL streams; the replica holding its socket is killed with kill -9; the agent comes
// back through nginx to the other replica and streams on with nothing lost, and its instance, once idle, is paused
// exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VastFake } from '../../controller/src/fake-world/vast-fake';
import { replicaOf } from '../../controller/src/replicas/leadership';
import type { PgDatabase } from '../../controller/src/store/sql/pg-database';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/in-process-controller';
import { NGINX, type RunningNginx, startNginxBalancer } from '../helpers/nginx-proxy';
import { startReplicaRig, type ReplicaRig } from '../helpers/replica-rig';
import type { ReplicaSet } from '../helpers/replica-set';
import { isContiguousFromOne, storedSeqsIn } from '../helpers/sample-db';
import { spawnAgent } from '../helpers/spawn-agent';
import type { TempDir } from '../helpers/temp-dir';
import { postgresUnavailable } from '../helpers/throwaway-postgres';
import { agentOnlyInstance } from '../helpers/vast-rig';

const unavailable = postgresUnavailable() ?? (NGINX === null ? 'nginx is not installed' : null);
const ADMIN = 'balancer-admin-token-0123456789abcdef';
const ID = 951;

let rig: ReplicaRig | undefined;
let db: PgDatabase;
let vast: VastFake;
let tmp: TempDir;
let set: ReplicaSet;
let nginx: RunningNginx | undefined;
let lbPort: number;

const stops = () =>
  vast.requests.filter((r) => r.method === 'PUT' && r.path === `/api/v0/instances/${ID}/` && (r.json as { state?: string } | undefined)?.state === 'stopped')
    .length;
/** The replica (REPLICA_ID) holding the instance's agent socket, from the shared sessions table. */
const holderOf = (instanceId: string): string | null => {
  const h = db.prepare('SELECT replica FROM agent_sessions WHERE instance_id = ?').pluck().get(instanceId) as string | undefined;
  return h === undefined ? null : replicaOf(h);
};
const seqsOf = (instanceId: string) => storedSeqsIn(db).filter((r) => r.instanceId === instanceId);

describe.skipIf(unavailable !== null)(`one URL behind nginx in front of two replicas${unavailable ? ` (left out: ${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    rig = await startReplicaRig({
      name: 'balancer',
      replicas: ['a', 'b'],
      leaseSeconds: 3,
      adminToken: ADMIN,
      vast: { transitionMs: 200, instances: [agentOnlyInstance({ id: ID, label: 'behind-the-balancer' })] },
    });
    ({ db, vast, tmp, set } = rig);
    lbPort = await freePort();
    nginx = await startNginxBalancer({ dir: `${tmp.path}/nginx`, listenPort: lbPort, upstreamPorts: ['a', 'b'].map((n) => set.get(n).port) });
  }, 90_000);

  afterAll(async () => {
    await nginx?.stop();
    await rig?.close();
  });

  it('the agent comes back through nginx to the other replica after kill -9 of its own, streams on, and its idle instance is paused once', async () => {
    await set.waitForOneLeader();
    const lbUrl = `ws://127.0.0.1:${lbPort}/agent`;
    // The API answers through nginx too: the token is minted there, on whichever replica nginx picks.
    const minted = await fetch(`http://127.0.0.1:${lbPort}/api/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ instanceId: `vast:${ID}` }),
    });
    expect(minted.status).toBe(201);
    const { token } = (await minted.json()) as { token: string };
    const agent = spawnAgent({ controllerWsUrl: lbUrl, token, dir: tmp.path, name: 'agent951', state: { gpus: [{ util: 90 }] } });
    const first = await waitFor(() => holderOf(`vast:${ID}`) ?? false, 30_000, 'the agent connected through nginx').catch((err: unknown) => {
      throw new Error(`${String(err)}\n${agent.output()}`);
    });
    await waitFor(() => seqsOf(`vast:${ID}`).some((r) => r.seqs.length >= 5), 30_000, 'batches stored');
    expect(agent.output()).toContain(`connected to the controller as vast:${ID}`);

    await set.get(first).kill9();
    const atKill = Math.max(...seqsOf(`vast:${ID}`).flatMap((r) => r.seqs));
    const other = first === 'a' ? 'b' : 'a';
    // Refused (409) while the dead replica's session row is fresh (15 s), then admitted at the next knock (30 s).
    await waitFor(
      () => holderOf(`vast:${ID}`) === other && /reconnected to the controller as vast:951/.test(agent.output()),
      60_000,
      `the agent on ${other}`,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${agent.output()}`);
    });
    expect(agent.output()).not.toContain('via ws'); // one URL: nginx's
    await waitFor(() => Math.max(...seqsOf(`vast:${ID}`).flatMap((r) => r.seqs)) >= atKill + 10, 30_000, 'ten more batches stored through the survivor');
    // Nothing lost across the kill: the run is stored from 1 up without a gap.
    for (const run of seqsOf(`vast:${ID}`)) expect(isContiguousFromOne(run.seqs), run.seqs.join(',')).toBe(true);
    expect(await set.waitForOneLeader()).toBe(other);

    agent.setGpus({ gpus: [{ util: 0 }] });
    await waitFor(() => vast.instances.get(ID)!['intended_status'] === 'stopped', 60_000, `vast:${ID} stopped`);
    await waitFor(
      () => db.prepare(`SELECT status FROM actions WHERE instance_id = ? AND kind = 'pause'`).pluck().all(`vast:${ID}`).join() === 'succeeded',
      30_000,
      'its one pause recorded as succeeded',
    );
    // A few more cycles: still one stop call.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(stops()).toBe(1);
    expect(db.prepare(`SELECT count(*) FROM actions WHERE instance_id = ? AND kind = 'pause'`).pluck().get(`vast:${ID}`)).toBe(1);
    await agent.stop();
  }, 180_000);
});
