// Copies one store into an empty PostgreSQL one (`cost-optimizer copy-store`, docs/scale-out.md): every table row for
// row (agent tokens, instances and their idle clocks, the audit log, holds, join tokens, rollups, and whatever later
// migrations add), and of the raw samples those the rules still read. Keys keep their values, so references hold.
import { GENERATED_KEYS } from './sql/pg-dialect';
import { dialectOf, type SqlDatabase, type SqlParam } from './sql/sql-database';
import type { Store } from './store';

/** Tables that are not data: the target has its own migrations, and a lease belongs to the running replicas. */
const NOT_COPIED = new Set(['schema_migrations', 'leader_lease']);
/**
 * Columns a PostgreSQL source stamps with its own transaction ids (sample-feed-reads.ts, instance-cache.ts): the target
 * stamps them afresh, since another server's ids would read as transactions that have not happened yet. Likewise an
 * audit row's lease epoch (the target's lease starts again at 1, and a higher epoch would read as a newer leader's):
 * left out, it reads as an earlier leader's (executor/previous-leader.ts).
 */
const NOT_COPIED_COLUMNS = new Set(['xid', 'changed_xid', 'lease_epoch']);
/** Large tables, read in pages by their primary key. */
const PAGED: Readonly<Record<string, readonly string[]>> = { samples: ['inst', 't1', 'run', 'seq'], rollups: ['inst', 'bucket'] };
const PAGE = 2_000;

export class CopyRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyRefused';
  }
}

function tablesOf(db: SqlDatabase): string[] {
  const sql =
    dialectOf(db) === 'postgres'
      ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
      : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
  return (db.prepare(sql).pluck().all() as string[]).filter((t) => !NOT_COPIED.has(t) && !t.startsWith('samples_p'));
}

function insertRows(db: SqlDatabase, table: string, rows: Record<string, unknown>[]): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]!).filter((c) => !NOT_COPIED_COLUMNS.has(c));
  const one = `(${cols.map(() => '?').join(', ')})`;
  // PostgreSQL takes at most 65,535 parameters a statement.
  const per = Math.max(1, Math.min(500, Math.floor(60_000 / cols.length)));
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const sql = `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${chunk.map(() => one).join(', ')}`;
    db.prepare(sql).run(...chunk.flatMap((r) => cols.map((c) => r[c] as SqlParam)));
  }
}

/** Rows of every data table in the target; the copy refuses a target that holds any. */
function rowsIn(db: SqlDatabase): number {
  let n = 0;
  for (const t of tablesOf(db)) n += db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  return n;
}

export interface CopyOptions {
  /** Raw samples that ended before this (epoch ms) are left behind: the rules no longer read them. */
  samplesSince: number;
}

/** Copies `from` into the empty PostgreSQL store `to`; returns the rows copied per table. */
export function copyStore(from: Store, to: Store, o: CopyOptions): Record<string, number> {
  if (dialectOf(to.db) !== 'postgres') throw new CopyRefused('the target must be a PostgreSQL database (a postgres:// URL)');
  const existing = rowsIn(to.db);
  if (existing > 0) throw new CopyRefused(`the target database already holds ${existing} rows; copy-store only fills an empty one`);
  const counts: Record<string, number> = {};
  const targetTables = new Set(tablesOf(to.db));
  to.transaction(() => {
    for (const table of tablesOf(from.db)) {
      if (!targetTables.has(table)) throw new CopyRefused(`the target has no table ${table}: is it the same version?`);
      const key = PAGED[table];
      let n = 0;
      if (key === undefined) {
        const rows = from.db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[];
        insertRows(to.db, table, rows);
        n = rows.length;
      } else {
        const cols = key.join(', ');
        const since = table === 'samples' ? ` AND t1 >= ${Math.floor(o.samplesSince)}` : '';
        const first = from.db.prepare(`SELECT * FROM ${table} WHERE 1 = 1${since} ORDER BY ${cols} LIMIT ${PAGE}`);
        const next = from.db.prepare(`SELECT * FROM ${table} WHERE (${cols}) > (${key.map(() => '?').join(', ')})${since} ORDER BY ${cols} LIMIT ${PAGE}`);
        let rows = first.all() as Record<string, unknown>[];
        while (rows.length > 0) {
          insertRows(to.db, table, rows);
          n += rows.length;
          const last = rows[rows.length - 1]!;
          rows = next.all(...key.map((k) => last[k] as SqlParam)) as Record<string, unknown>[];
        }
      }
      counts[table] = n;
    }
    // Keys were copied as they were: the target's own key generators continue after the largest.
    for (const [table, col] of Object.entries(GENERATED_KEYS)) {
      if (!targetTables.has(table)) continue;
      to.db.prepare(`SELECT setval(pg_get_serial_sequence('${table}', '${col}'), (SELECT coalesce(max(${col}), 0) + 1 FROM ${table}), false)`).get();
    }
  });
  return counts;
}
