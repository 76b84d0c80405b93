// Spend (docs/owners.md): what the provider charges at the prices it reports, integrated over time per instance
// and UTC day. A cursor per instance holds the last integration time and the rate in force since; the pending
// part (rate x time since the cursor) is added on read, so the cursor need not be written every cycle.
import type { SqlDatabase } from './sql/sql-database';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** A cursor is written when the rate changes, the UTC day changes, or this long after the last write. */
const WRITE_EVERY_MS = 5 * 60_000;

export interface SpendCursor {
  at: number;
  rate: number;
}

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

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
  private cursors: Map<string, SpendCursor> | null = null;

  constructor(private readonly db: SqlDatabase) {
    this.stmt = {
      cursors: db.prepare('SELECT instance_id, at, rate FROM spend_cursor'),
      setCursor: db.prepare(`INSERT INTO spend_cursor (instance_id, at, rate) VALUES (?, ?, ?)
        ON CONFLICT (instance_id) DO UPDATE SET at = excluded.at, rate = excluded.rate`),
      add: db.prepare(`INSERT INTO spend_days (instance_id, day, usd) VALUES (?, ?, ?)
        ON CONFLICT (instance_id, day) DO UPDATE SET usd = spend_days.usd + excluded.usd`),
      since: db.prepare('SELECT instance_id, day, usd FROM spend_days WHERE day >= ? ORDER BY day'),
    };
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
    for (const [id, rate] of rates) {
      const c = cursors.get(id);
      if (c === undefined) {
        this.stmt.setCursor.run(id, now, rate);
        cursors.set(id, { at: now, rate });
        continue;
      }
      if (now <= c.at) continue;
      const due = c.rate !== rate || utcDay(c.at) !== utcDay(now) || now - c.at >= WRITE_EVERY_MS;
      if (!due) continue;
      for (const [day, usd] of splitByDay(c.rate, c.at, now)) this.stmt.add.run(id, day, usd);
      this.stmt.setCursor.run(id, now, rate);
      cursors.set(id, { at: now, rate });
    }
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
