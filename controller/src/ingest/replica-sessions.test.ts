// One voice across replicas: a knock refused because another replica holds the instance is a contest only once that
// holder's heartbeat moved on after the first refusal (the agents of a replica killed moments ago are not thieves).
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import type { AgentSessionsRepo, SessionHolder } from '../store/agent-sessions-repo';
import { ReplicaSessions } from './replica-sessions';

/** The repository's claim rule in memory: free, held here, or held elsewhere with a stale heartbeat. */
function memoryRepo(): AgentSessionsRepo & { rows: Map<string, SessionHolder> } {
  const rows = new Map<string, SessionHolder>();
  return {
    rows,
    claim(instanceId: string, replica: string, remote: string, now: number, staleBefore: number) {
      const h = rows.get(instanceId);
      if (h === undefined || h.replica === replica || h.seenAt < staleBefore) {
        rows.set(instanceId, { replica, remote, seenAt: now });
        return null;
      }
      return h;
    },
    touch(replica: string, ids: readonly string[], now: number) {
      for (const id of ids) if (rows.get(id)?.replica === replica) rows.get(id)!.seenAt = now;
    },
    drop(instanceId: string, replica: string) {
      if (rows.get(instanceId)?.replica === replica) rows.delete(instanceId);
    },
  } as unknown as AgentSessionsRepo & { rows: Map<string, SessionHolder> };
}

describe('ReplicaSessions', () => {
  const logger = createLogger({ level: 'error', sink: () => undefined });

  it('refuses while a dead replica’s row is fresh, without calling it a second voice, and admits once it is stale', () => {
    let now = 1_000_000;
    const repo = memoryRepo();
    const dead = new ReplicaSessions(repo, 'a#1', logger, () => now);
    const survivor = new ReplicaSessions(repo, 'b#2', logger, () => now);
    expect(dead.claim('vast:1', '10.0.0.5:4000')).toBeNull();
    // a is killed: its heartbeat stops. The agent knocks on b again and again.
    for (let i = 0; i < 5; i++) {
      now += 2_000;
      expect(survivor.claim('vast:1', '10.0.0.5:4001')).toEqual({ line: 'replica a#1 (agent at 10.0.0.5:4000)', holderAlive: false });
    }
    now += 6_000;
    expect(survivor.claim('vast:1', '10.0.0.5:4001')).toBeNull();
    expect(repo.rows.get('vast:1')?.replica).toBe('b#2');
  });

  it('calls a knock a second voice once the holder heartbeated after the first refusal', () => {
    let now = 1_000_000;
    const repo = memoryRepo();
    const holder = new ReplicaSessions(repo, 'a#1', logger, () => now);
    const other = new ReplicaSessions(repo, 'b#2', logger, () => now);
    expect(holder.claim('vast:2', '10.0.0.5:4000')).toBeNull();
    expect(other.claim('vast:2', '203.0.113.9:5000')?.holderAlive).toBe(false);
    now += 5_000;
    holder.heartbeat(['vast:2']);
    now += 1_000;
    expect(other.claim('vast:2', '203.0.113.9:5001')).toEqual({ line: 'replica a#1 (agent at 10.0.0.5:4000)', holderAlive: true });
  });
});
