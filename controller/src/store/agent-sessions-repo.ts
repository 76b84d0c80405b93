// Which replica holds each instance's agent connection (several replicas on one PostgreSQL, docs/scale-out.md): one
// row per instance, refreshed by its holder's heartbeat, so one voice per instance holds across replicas.
import type { SqlDatabase } from './sql/sql-database';

export interface SessionHolder {
  replica: string;
  remote: string;
  seenAt: number;
}

export class AgentSessionsRepo {
  private readonly stmt;

  constructor(db: SqlDatabase) {
    this.stmt = {
      // Taken when free, when this replica holds it already, or when its holder's heartbeat is older than `stale`.
      claim: db.prepare(`INSERT INTO agent_sessions (instance_id, replica, remote, seen_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (instance_id) DO UPDATE SET replica = excluded.replica, remote = excluded.remote, seen_at = excluded.seen_at
        WHERE agent_sessions.replica = excluded.replica OR agent_sessions.seen_at < ?
        RETURNING instance_id`),
      holder: db.prepare('SELECT replica, remote, seen_at AS "seenAt" FROM agent_sessions WHERE instance_id = ?'),
      touch: db.prepare('UPDATE agent_sessions SET seen_at = ? WHERE replica = ? AND instance_id IN (SELECT value FROM json_each(?))'),
      drop: db.prepare('DELETE FROM agent_sessions WHERE instance_id = ? AND replica = ?'),
    };
  }

  /** Null when this replica now holds the instance's session; else who does. */
  claim(instanceId: string, replica: string, remote: string, now: number, staleBefore: number): SessionHolder | null {
    if (this.stmt.claim.get(instanceId, replica, remote, now, staleBefore) !== undefined) return null;
    return (this.stmt.holder.get(instanceId) as SessionHolder | undefined) ?? null;
  }

  touch(replica: string, instanceIds: readonly string[], now: number): void {
    if (instanceIds.length > 0) this.stmt.touch.run(now, replica, JSON.stringify(instanceIds));
  }

  drop(instanceId: string, replica: string): void {
    this.stmt.drop.run(instanceId, replica);
  }
}
