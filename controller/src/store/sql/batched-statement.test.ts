// BatchedStatement on a real SQLite database: every row written whatever the count, in power-of-two chunks (the
// PostgreSQL side is exercised by the store contract suite through spend and idle-state saves).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BatchedStatement } from './batched-statement';

function table() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL)');
  const prepared: string[] = [];
  const spy = {
    prepare: (sql: string) => {
      prepared.push(sql);
      return db.prepare(sql);
    },
    exec: (sql: string) => db.exec(sql),
    transaction: <T>(fn: () => T) => db.transaction(fn),
    close: () => db.close(),
  };
  const upsert = new BatchedStatement(spy, 2, (v) => `INSERT INTO t (k, n) VALUES ${v} ON CONFLICT (k) DO UPDATE SET n = t.n + excluded.n`);
  const rows = () => db.prepare('SELECT k, n FROM t ORDER BY k').all() as { k: string; n: number }[];
  return { db, upsert, rows, prepared };
}

describe('BatchedStatement', () => {
  it.each([0, 1, 2, 3, 511, 512, 513, 1300])('writes all of %i rows', (count) => {
    const { upsert, rows } = table();
    const input = Array.from({ length: count }, (_, i) => [`k${String(i).padStart(5, '0')}`, i]);
    expect(upsert.run(input)).toBe(count);
    expect(rows()).toEqual(input.map(([k, n]) => ({ k, n })));
  });

  it('prepares one statement per power-of-two chunk size and reuses it', () => {
    const { upsert, prepared } = table();
    const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => [`k${from + i}`, 1]);
    upsert.run(rows(1300)); // 512 + 512 + 256 + 16 + 4
    upsert.run(rows(1300, 5000));
    expect(prepared.map((s) => (s.match(/\(\?, \?\)/g) ?? []).length)).toEqual([512, 256, 16, 4]);
  });

  it('returns the rows of every chunk of an INSERT ... RETURNING', () => {
    const { db, rows } = table();
    db.prepare("INSERT INTO t (k, n) VALUES ('k00002', 0)").run();
    const insert = new BatchedStatement(db, 2, (v) => `INSERT INTO t (k, n) VALUES ${v} ON CONFLICT DO NOTHING RETURNING k`);
    const input = Array.from({ length: 600 }, (_, i) => [`k${String(i).padStart(5, '0')}`, i]);
    const back = (insert.all(input) as { k: string }[]).map((r) => r.k).sort();
    // All but the row that was there: the 512-row chunk's and the 64- and 16- and 8-row chunks' rows.
    expect(back).toEqual(input.map(([k]) => k as string).filter((k) => k !== 'k00002'));
    expect(rows()).toHaveLength(600);
  });

  it('refuses a row of the wrong width', () => {
    const { upsert } = table();
    expect(() => upsert.run([['a', 1, 2]])).toThrow(/3 values for a statement of 2/);
  });
});
