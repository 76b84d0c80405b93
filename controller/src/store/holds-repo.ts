// Keep-alive holds set by people (`POST /api/instances/:id/hold`): the engine takes no action before `until`.
import type { SqlDatabase } from './sql/sql-database';
import { holdActive } from '../domain/hold';
import type { HoldRecord } from './types';

interface HoldRow {
  instance_id: string;
  until: number;
  reason: string;
  created_at: number;
}

const toRecord = (r: HoldRow): HoldRecord => ({ instanceId: r.instance_id, until: r.until, reason: r.reason, createdAt: r.created_at });

export class HoldsRepo {
  private readonly stmt;

  constructor(db: SqlDatabase) {
    this.stmt = {
      set: db.prepare(`INSERT INTO holds (instance_id, until, reason, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (instance_id) DO UPDATE SET until = excluded.until, reason = excluded.reason, created_at = excluded.created_at`),
      get: db.prepare('SELECT * FROM holds WHERE instance_id = ?'),
      list: db.prepare('SELECT * FROM holds ORDER BY instance_id'),
      clear: db.prepare('DELETE FROM holds WHERE instance_id = ?'),
      purge: db.prepare('DELETE FROM holds WHERE until < ?'),
    };
  }

  /** Sets (or replaces) the hold of an instance. */
  set(instanceId: string, until: number, reason: string, now: number): HoldRecord {
    this.stmt.set.run(instanceId, until, reason, now);
    return { instanceId, until, reason, createdAt: now };
  }

  get(instanceId: string): HoldRecord | null {
    const row = this.stmt.get.get(instanceId) as HoldRow | undefined;
    return row === undefined ? null : toRecord(row);
  }

  /** The hold when it is still in force at `now`. */
  active(instanceId: string, now: number): HoldRecord | null {
    const h = this.get(instanceId);
    return h !== null && holdActive(h.until, now) ? h : null;
  }

  list(): HoldRecord[] {
    return (this.stmt.list.all() as HoldRow[]).map(toRecord);
  }

  clear(instanceId: string): boolean {
    return this.stmt.clear.run(instanceId).changes > 0;
  }

  /** Drops holds that ended before `before`; returns how many. */
  purge(before: number): number {
    return this.stmt.purge.run(before).changes;
  }
}
