// PgDatabase against a real throwaway PostgreSQL that is killed and started again (or ends this connection): the
// statement that meets the lost connection fails and says so, the next one connects again and its prepared statements
// work, and a transaction that lost its connection is never carried on over a new one.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresUnavailable, startThrowawayPostgres, type ThrowawayPostgres } from '../../../../test/helpers/throwaway-postgres';
import { openStore } from '../store';
import { PgDatabase } from './pg-database';

const why = process.env['STORE_BACKENDS'] === 'sqlite' ? 'STORE_BACKENDS=sqlite (the unit tier starts no server)' : postgresUnavailable();
const pgOnly = why === null ? describe : describe.skip;
if (why !== null) console.warn(`pg-database tests left out: ${why}`);

pgOnly('PgDatabase after the server restarts', () => {
  let pg: ThrowawayPostgres;
  beforeAll(async () => {
    pg = await startThrowawayPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('lets go of a statement it is told to forget, on the server too, and prepares it anew if asked again', () => {
    const db = new PgDatabase(pg.createDatabase());
    try {
      const onServer = () => db.prepare('SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE ?').pluck().get('%FROM t1 WHERE%') as number;
      db.exec('CREATE TABLE t1 (k INTEGER)');
      const sql = 'SELECT k FROM t1 WHERE k = ?';
      db.prepare(sql).get(1);
      expect(onServer()).toBe(1);
      db.forget(sql);
      expect(onServer()).toBe(0);
      db.forget(sql); // twice, or never prepared: nothing to do
      db.forget('SELECT 1');
      db.exec('INSERT INTO t1 VALUES (1)');
      expect(db.prepare(sql).pluck().get(1)).toBe(1);
      expect(onServer()).toBe(1);
    } finally {
      db.close();
    }
  });

  it('fails the statement that meets the loss, then connects again and prepares anew', async () => {
    const db = new PgDatabase(pg.createDatabase());
    try {
      db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');
      const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
      const read = db.prepare('SELECT v FROM t WHERE k = ?').pluck();
      insert.run(1, 'before');
      // The throwaway cluster commits asynchronously: a checkpoint puts what was written beyond a kill -9.
      db.exec('CHECKPOINT');
      pg.kill();
      await pg.start();
      expect(() => read.get(1)).toThrow();
      expect(read.get(1)).toBe('before');
      insert.run(2, 'after');
      expect(read.get(2)).toBe('after');
      expect(db.reconnects).toBe(1);
    } finally {
      db.close();
    }
  });

  /**
   * A table `t`, and a transaction on it whose connection another session ends after its first insert; the code in it
   * catches the failure of the second insert, then runs `after` (or nothing). Returns what the transaction did.
   */
  function lostMidTransaction(after: (insert: (k: number) => void) => void): { threw: boolean; count: () => unknown; db: PgDatabase } {
    const url = pg.createDatabase();
    const db = new PgDatabase(url);
    const admin = new PgDatabase(url);
    opened.push(db, admin);
    db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY)');
    const st = db.prepare('INSERT INTO t (k) VALUES (?)');
    const insert = (k: number) => void st.run(k);
    const pid = db.prepare('SELECT pg_backend_pid()').pluck().get() as number;
    let threw = false;
    try {
      db.transaction(() => {
        insert(1);
        admin.prepare('SELECT pg_terminate_backend(?)').get(pid);
        expect(() => insert(2)).toThrow();
        after(insert);
      })();
    } catch {
      threw = true;
    }
    const count = db.prepare('SELECT count(*) FROM t').pluck();
    return { threw, count: () => count.get(), db };
  }
  const opened: PgDatabase[] = [];
  afterEach(() => {
    for (const d of opened.splice(0)) d.close();
  });

  it('never carries a transaction on over a new connection', () => {
    // What the code writes after the caught failure must fail too, not run alone in autocommit on a new connection.
    const r = lostMidTransaction((insert) => insert(3));
    expect(r.threw).toBe(true);
    expect(r.count()).toBe(0);
    r.db.transaction(() => r.db.prepare('INSERT INTO t (k) VALUES (?)').run(4))();
    expect(r.count()).toBe(1);
    expect(r.db.reconnects).toBe(1);
  });

  it('fails the commit of a transaction whose connection was lost, even when the code in it caught the error', () => {
    // Nothing runs after the caught failure: COMMIT is the next statement, and it must not go to a new session
    // (where PostgreSQL would answer it with a warning and a COMMIT tag, and nothing would be stored).
    const r = lostMidTransaction(() => {});
    expect(r.threw).toBe(true);
    expect(r.count()).toBe(0);
  });

  it('keeps a store working: samples are stored again after a restart', async () => {
    const url = pg.createDatabase();
    const store = openStore(url);
    try {
      const T = Date.now();
      const input = (seq: number) => ({
        instanceId: 'vast:1',
        source: 'agent' as const,
        t0: T - 10_000 + seq,
        t1: T + seq,
        gpus: [],
        procs: null,
        health: { state: 'ok' as const },
        run: { runId: 'run-aaaaaaaa', seq },
      });
      expect(store.insertSamples([input(1)], T + 10)[0]!.status).toBe('inserted');
      store.db.exec('CHECKPOINT');
      pg.kill();
      await pg.start();
      expect(() => store.insertSamples([input(2)], T + 10)).toThrow();
      expect(store.insertSamples([input(2)], T + 10)[0]!.status).toBe('inserted');
      expect(store.sampleCount('vast:1')).toBe(2);
      expect(store.healthy()).toBe(true);
    } finally {
      store.close();
    }
  });
});
