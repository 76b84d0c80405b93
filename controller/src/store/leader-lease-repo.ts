// The leader lease of replicas sharing one PostgreSQL (docs/scale-out.md): one row, taken or renewed by its holder
// with the database's clock (replicas' clocks may disagree), its epoch raised whenever the lease changes hands.
import type { SqlDatabase } from './sql/sql-database';

export interface LeaseState {
  holder: string;
  epoch: number;
  /** Milliseconds the lease still runs by the database's clock (<= 0: expired). */
  remainingMs: number;
  /** When the holder last finished a cycle (its clock), or null. */
  lastCycleAt: number | null;
}

const NAME = 'cycle';

export class LeaderLeaseRepo {
  private readonly stmt;

  constructor(db: SqlDatabase) {
    this.stmt = {
      // Taken when free or expired (epoch + 1), renewed by its holder while it runs (same epoch). A holder whose own
      // lease ran out gets a new epoch too: whatever it started under the old one is fenced off.
      // It also says how long ago the lease as it stood before ran out (negative: it still ran, a renewal), by the
      // database's clock: a new leader waits out its predecessor's last call from then (executor/previous-leader.ts).
      take: db.prepare(`WITH prev AS (SELECT expires_at FROM leader_lease WHERE name = ?)
        INSERT INTO leader_lease (name, holder, epoch, expires_at)
        VALUES (?, ?, 1, clock_timestamp() + CAST(? AS INTEGER) * interval '1 millisecond')
        ON CONFLICT (name) DO UPDATE SET
          holder = excluded.holder,
          epoch = CASE WHEN leader_lease.holder = excluded.holder AND leader_lease.expires_at > clock_timestamp()
            THEN leader_lease.epoch ELSE leader_lease.epoch + 1 END,
          expires_at = excluded.expires_at
        WHERE leader_lease.holder = excluded.holder OR leader_lease.expires_at <= clock_timestamp()
        RETURNING epoch, (SELECT CAST(EXTRACT(EPOCH FROM (clock_timestamp() - prev.expires_at)) * 1000 AS BIGINT) FROM prev) AS ended_ago`),
      read: db.prepare(`SELECT holder, epoch, last_cycle_at,
        CAST(EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000 AS INTEGER) AS remaining
        FROM leader_lease WHERE name = ?`),
      // Held with at least `margin` ms to run: a fenced act checks this right before it calls a provider.
      held: db.prepare(`SELECT 1 FROM leader_lease WHERE name = ? AND holder = ? AND epoch = ?
        AND expires_at > clock_timestamp() + CAST(? AS INTEGER) * interval '1 millisecond'`),
      release: db.prepare(`UPDATE leader_lease SET expires_at = clock_timestamp() WHERE name = ? AND holder = ? AND epoch = ?`),
      cycled: db.prepare('UPDATE leader_lease SET last_cycle_at = ? WHERE name = ? AND holder = ? AND epoch = ?'),
    };
  }

  /**
   * Takes or renews the lease for `leaseMs`: the epoch held and how many ms ago the lease before this take ran out
   * (null when there was none; negative on a renewal), or null when another replica holds it.
   */
  take(holder: string, leaseMs: number): { epoch: number; previousEndedMsAgo: number | null } | null {
    const row = this.stmt.take.get(NAME, NAME, holder, Math.round(leaseMs)) as { epoch: number; ended_ago: number | string | null } | undefined;
    return row === undefined ? null : { epoch: row.epoch, previousEndedMsAgo: row.ended_ago === null ? null : Number(row.ended_ago) };
  }

  read(): LeaseState | null {
    const r = this.stmt.read.get(NAME) as { holder: string; epoch: number; last_cycle_at: number | null; remaining: number } | undefined;
    return r === undefined ? null : { holder: r.holder, epoch: r.epoch, remainingMs: r.remaining, lastCycleAt: r.last_cycle_at };
  }

  held(holder: string, epoch: number, marginMs: number): boolean {
    return this.stmt.held.get(NAME, holder, epoch, Math.round(marginMs)) !== undefined;
  }

  /** Gives the lease up at once (a clean shutdown): another replica leads at its next try instead of a lease later. */
  release(holder: string, epoch: number): void {
    this.stmt.release.run(NAME, holder, epoch);
  }

  cycled(holder: string, epoch: number, at: number): void {
    this.stmt.cycled.run(at, NAME, holder, epoch);
  }
}
