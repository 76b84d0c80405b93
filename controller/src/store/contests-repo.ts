// Contested instances shared between replicas (docs/scale-out.md): a second agent refused on any replica makes the
// instance contested on the leader too, which then takes no agent's idle evidence for it until the contest ends.
import type { SqlDatabase } from './sql/sql-database';

export interface SharedContest {
  until: number;
  since: number;
  addresses: string[];
}

export class ContestsRepo {
  private readonly stmt;
  private known = new Map<string, SharedContest>();

  constructor(db: SqlDatabase) {
    this.stmt = {
      record: db.prepare(`INSERT INTO contests (instance_id, until, since, addresses) VALUES (?, ?, ?, ?)
        ON CONFLICT (instance_id) DO UPDATE SET until = CASE WHEN excluded.until > contests.until THEN excluded.until ELSE contests.until END,
          addresses = excluded.addresses`),
      all: db.prepare('SELECT instance_id AS "instanceId", until, since, addresses FROM contests'),
    };
  }

  record(instanceId: string, c: SharedContest): void {
    this.stmt.record.run(instanceId, Math.round(c.until), Math.round(c.since), JSON.stringify(c.addresses));
    this.known.set(instanceId, c);
  }

  /** Reads every replica's contests (once a cycle, on the leader). */
  reload(): void {
    const next = new Map<string, SharedContest>();
    for (const r of this.stmt.all.all() as { instanceId: string; until: number; since: number; addresses: string }[]) {
      let addresses: string[] = [];
      try {
        const parsed: unknown = JSON.parse(r.addresses);
        if (Array.isArray(parsed)) addresses = parsed.filter((a): a is string => typeof a === 'string');
      } catch {
        // A row this program did not write: its times still count, its addresses are unknown.
      }
      next.set(r.instanceId, { until: r.until, since: r.since, addresses });
    }
    this.known = next;
  }

  get(instanceId: string): SharedContest | null {
    return this.known.get(instanceId) ?? null;
  }
}
