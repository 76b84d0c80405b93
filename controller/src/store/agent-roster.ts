// Which instances hold a live agent token (minted by `token create` or granted by a join token) and, with several
// replicas, which hold a live agent session: what `doctor` compares with the agents' last samples.
import { dialectOf, type SqlDatabase } from './sql/sql-database';

export interface TokenHolder {
  instanceId: string;
  /** When its newest live token was minted, epoch ms. */
  mintedAt: number;
}

/** Instances with at least one token neither revoked nor expired at `now`, by id. */
export function liveTokenHolders(db: SqlDatabase, now: number): TokenHolder[] {
  const rows = db
    .prepare(
      `SELECT instance_id AS "instanceId", max(created_at) AS "mintedAt" FROM tokens
       WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) GROUP BY instance_id ORDER BY instance_id`,
    )
    .all(now) as { instanceId: string; mintedAt: number | string }[];
  return rows.map((r) => ({ instanceId: r.instanceId, mintedAt: Number(r.mintedAt) }));
}

/** Instances whose agent session a replica refreshed at or after `since` (PostgreSQL only; SQLite keeps none: empty). */
export function liveSessionInstances(db: SqlDatabase, since: number): Set<string> {
  if (dialectOf(db) !== 'postgres') return new Set();
  const ids = db.prepare('SELECT instance_id FROM agent_sessions WHERE seen_at >= ?').pluck().all(since) as string[];
  return new Set(ids);
}
