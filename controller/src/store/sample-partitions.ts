// PostgreSQL's samples table in UTC-day partitions (migration 10): creating each day's table ahead of its samples,
// moving any rows that waited in the default partition, listing the days, and dropping a day retention has folded.
import type { SqlDatabase } from './sql/sql-database';

export const DAY_MS = 86_400_000;
/** Days made ahead of the clock: the upkeep runs every few minutes, and a week leaves room for a long failing spell. */
const DAYS_AHEAD = 7;
/** The most the upkeep waits for a lock: it gives up and retries later rather than hold up ingest behind it. */
const LOCK_TIMEOUT_MS = 2_000;
// Any fixed number: the key of the advisory lock under which replicas take turns at the upkeep.
const UPKEEP_LOCK = 0x636f_7061;
const NAME = /^samples_p(\d{4})(\d{2})(\d{2})$/;

export interface DayPartition {
  name: string;
  /** Epoch ms of the UTC midnight the day starts at (inclusive) and the next (exclusive). */
  from: number;
  to: number;
}

/** samples_pYYYYMMDD for the UTC day holding `t`. */
export function partitionName(t: number): string {
  return `samples_p${new Date(Math.floor(t / DAY_MS) * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The day a partition name stands for; null for any other table (the default partition among them). */
export function parsePartitionName(name: string): DayPartition | null {
  const m = NAME.exec(name);
  if (m === null) return null;
  const from = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (!Number.isFinite(from) || partitionName(from) !== name) return null;
  return { name, from, to: from + DAY_MS };
}

export class SamplePartitions {
  private readonly stmt;

  constructor(private readonly db: SqlDatabase) {
    this.stmt = {
      lock: db.prepare('SELECT pg_advisory_xact_lock(?)'),
      list: db
        .prepare(
          `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = CAST('samples' AS regclass)`,
        )
        .pluck(),
    };
  }

  /** The day partitions, oldest first (not the default one). */
  list(): DayPartition[] {
    return (this.stmt.list.all() as string[])
      .map(parsePartitionName)
      .filter((p): p is DayPartition => p !== null)
      .sort((a, b) => a.from - b.from);
  }

  /**
   * Makes sure every day from `fromT`'s to DAYS_AHEAD after `now`'s has its partition; returns the names created.
   * Call inside a transaction. A day's table is made on its own, filled with the rows of its day that waited in the
   * default partition, and then attached: attaching locks the parent table less than creating it as a partition does,
   * so agents' inserts keep flowing.
   */
  ensure(now: number, fromT: number): string[] {
    this.db.exec(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
    this.stmt.lock.get(UPKEEP_LOCK);
    const have = new Set(this.list().map((p) => p.name));
    const created: string[] = [];
    const last = Math.floor(now / DAY_MS) + DAYS_AHEAD;
    let locked = false;
    for (let day = Math.floor(Math.min(fromT, now) / DAY_MS); day <= last; day++) {
      const from = day * DAY_MS;
      const name = partitionName(from);
      if (have.has(name)) continue;
      // Rows for this day still arrive in the default partition until it is attached: held off for that moment.
      if (!locked) this.db.exec('LOCK TABLE samples_pdefault IN SHARE ROW EXCLUSIVE MODE');
      locked = true;
      const to = from + DAY_MS;
      this.db.exec(`CREATE TABLE ${name} (LIKE samples INCLUDING DEFAULTS)`);
      // Run once per day and table: not prepared (a prepared statement stays on the connection for good).
      this.db.exec(`INSERT INTO ${name} SELECT * FROM samples_pdefault WHERE t1 >= ${from} AND t1 < ${to}`);
      this.db.exec(`DELETE FROM samples_pdefault WHERE t1 >= ${from} AND t1 < ${to}`);
      this.db.exec(`ALTER TABLE samples ATTACH PARTITION ${name} FOR VALUES FROM (${from}) TO (${to})`);
      created.push(name);
    }
    return created;
  }

  /**
   * Drops a folded day. Call inside a transaction: it waits at most `lockTimeoutMs` for inserts in flight (dropping
   * needs the parent table to itself for a moment), and fails rather than stall ingest behind it; retry later.
   */
  drop(p: DayPartition, lockTimeoutMs = LOCK_TIMEOUT_MS): void {
    if (parsePartitionName(p.name) === null) throw new Error(`not a day partition: ${p.name}`);
    this.db.exec(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    this.db.exec(`DROP TABLE ${p.name}`);
  }
}
