// Spend (docs/owners.md): what the provider charges at the prices it reports, integrated over time per instance
// and UTC day. A cursor per instance holds the last integration time and the rate in force since; the pending
// part (rate x time since the cursor) is added on read, so the cursor need not be written every cycle.
import { BatchedStatement } from './sql/batched-statement';
import type { SqlDatabase, SqlParam } from './sql/sql-database';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** A cursor is written when the rate changes, the UTC day changes, or this long after the last write. */
const WRITE_EVERY_MS = 5 * 60_000;

export interface SpendCursor {
  at: number;
  rate: number;
}

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** The UTC day number of an epoch-ms time (what utcDay names, without building a string). */
const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

/** USD per UTC day of `rate` $/h over [from, to). */
export function splitByDay(rate: number, from: number, to: number): Map<string, number> {
  const out = new Map<string, number>();
  if (!(to > from) || !(rate > 0)) return out;
  let t = from;
  while (t < to) {
    const dayEnd = Math.min(to, Math.floor(t / DAY_MS) * DAY_MS + DAY_MS);
    const day = utcDay(t);
    out.set(day, (out.get(day) ?? 0) + (rate * (dayEnd - t)) / HOUR_MS);
    t = dayEnd;
  }
  return out;
}

export class SpendRepo {
  private readonly stmt;
  private readonly setCursors: BatchedStatement;
  private readonly addDays: BatchedStatement;
  private cursors: Map<string, SpendCursor> | null = null;

  constructor(private readonly db: SqlDatabase) {
    this.stmt = {
      cursors: db.prepare('SELECT instance_id, at, rate FROM spend_cursor'),
      since: db.prepare('SELECT instance_id, day, usd FROM spend_days WHERE day >= ? ORDER BY day'),
    };
    // A whole fleet's cursors come due together (every WRITE_EVERY_MS): written in a few statements, not one per row.
    this.setCursors = new BatchedStatement(
      db,
      3,
      (v) => `INSERT INTO spend_cursor (instance_id, at, rate) VALUES ${v} ON CONFLICT (instance_id) DO UPDATE SET at = excluded.at, rate = excluded.rate`,
    );
    this.addDays = new BatchedStatement(
      db,
      3,
      (v) => `INSERT INTO spend_days (instance_id, day, usd) VALUES ${v} ON CONFLICT (instance_id, day) DO UPDATE SET usd = spend_days.usd + excluded.usd`,
    );
  }

  /** The cursors, read from the database (another replica may have moved them). */
  readCursors(): Map<string, SpendCursor> {
    const m = new Map<string, SpendCursor>();
    for (const r of this.stmt.cursors.all() as { instance_id: string; at: number; rate: number }[]) m.set(r.instance_id, { at: r.at, rate: r.rate });
    this.cursors = m;
    return m;
  }

  /**
   * Integrates each instance's rate up to `now` and starts its new rate there. `rates`: instance id -> $/h now
   * (0 for a deleted instance or an unknown price). The caller runs this in a transaction.
   */
  accrue(rates: ReadonlyMap<string, number>, now: number): void {
    const cursors = this.cursors ?? this.readCursors();
    // One row per instance in each statement (an instance is accrued once per call, and its days are distinct).
    const setRows: SqlParam[][] = [];
    const addRows: SqlParam[][] = [];
    for (const [id, rate] of rates) {
      const c = cursors.get(id);
      if (c === undefined) {
        setRows.push([id, now, rate]);
        continue;
      }
      if (now <= c.at) continue;
      const due = c.rate !== rate || dayOf(c.at) !== dayOf(now) || now - c.at >= WRITE_EVERY_MS;
      if (!due) continue;
      for (const [day, usd] of splitByDay(c.rate, c.at, now)) addRows.push([id, day, usd]);
      setRows.push([id, now, rate]);
    }
    this.addDays.run(addRows);
    this.setCursors.run(setRows);
    for (const [id, at, rate] of setRows) cursors.set(id as string, { at: at as number, rate: rate as number });
  }

  /** Forgets the cached cursors (after a rolled-back transaction). */
  forgetCache(): void {
    this.cursors = null;
  }

  /** USD per instance and UTC day from `sinceDay` (YYYY-MM-DD) up to `now`, the pending part included. */
  daysSince(sinceDay: string, now: number): { instanceId: string; day: string; usd: number }[] {
    const rows = (this.stmt.since.all(sinceDay) as { instance_id: string; day: string; usd: number }[]).map((r) => ({
      instanceId: r.instance_id,
      day: r.day,
      usd: r.usd,
    }));
    for (const [id, c] of this.readCursors()) {
      for (const [day, usd] of splitByDay(c.rate, c.at, now)) if (day >= sinceDay) rows.push({ instanceId: id, day, usd });
    }
    return rows;
  }
}
