// One statement for many rows (a multi-row VALUES list): PostgreSQL pays a network round trip per statement, so a
// cycle that writes 10,000 rows one by one waits on 10,000 of them (bench/cycle.ts). Rows go in chunks whose sizes
// are powers of two, so a handful of prepared statements serve every count.
import type { SqlDatabase, SqlParam, SqlStatement } from './sql-database';

/** The most rows in one statement (times the row width stays far below both databases' parameter limits). */
const MAX_ROWS = 512;

export class BatchedStatement {
  private readonly byCount = new Map<number, SqlStatement>();

  /**
   * `sql(values)` is the statement for a VALUES list `values` of `width` parameters per row, e.g.
   * (v) => `INSERT INTO t (a, b) VALUES ${v} ON CONFLICT (a) DO UPDATE SET b = excluded.b`. With an upsert, no two
   * rows of one call may share a key: PostgreSQL refuses a statement that would update one row twice (SQLite applies
   * both), so callers pass rows from a map.
   */
  constructor(
    private readonly db: SqlDatabase,
    private readonly width: number,
    private readonly sql: (values: string) => string,
  ) {}

  /** Runs the statement over every row (each `width` long); returns the rows changed. */
  run(rows: readonly (readonly SqlParam[])[]): number {
    let changes = 0;
    this.chunks(rows, (st, params) => (changes += st.run(...params).changes));
    return changes;
  }

  /** The same for a statement that returns rows (INSERT ... RETURNING): every chunk's rows, in chunk order. */
  all(rows: readonly (readonly SqlParam[])[]): unknown[] {
    const out: unknown[] = [];
    this.chunks(rows, (st, params) => {
      for (const r of st.all(...params)) out.push(r);
    });
    return out;
  }

  private chunks(rows: readonly (readonly SqlParam[])[], each: (st: SqlStatement, params: SqlParam[]) => void): void {
    let i = 0;
    while (i < rows.length) {
      let n = MAX_ROWS;
      while (n > rows.length - i) n >>= 1;
      const params: SqlParam[] = [];
      for (let r = i; r < i + n; r++) {
        const row = rows[r]!;
        if (row.length !== this.width) throw new Error(`a row of ${row.length} values for a statement of ${this.width}`);
        for (const v of row) params.push(v);
      }
      each(this.statement(n), params);
      i += n;
    }
  }

  private statement(n: number): SqlStatement {
    let st = this.byCount.get(n);
    if (st === undefined) {
      const row = `(${Array.from({ length: this.width }, () => '?').join(', ')})`;
      st = this.db.prepare(this.sql(Array.from({ length: n }, () => row).join(', ')));
      this.byCount.set(n, st);
    }
    return st;
  }
}
