// PgDatabase against a real throwaway PostgreSQL that is killed and started again (or ends this connection): the
// statement that meets the lost connection fails and says so, the next one connects again and its prepared statements
// work, and a transaction that lost its connection is never carried on over a new one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('never carries a transaction on over a new connection', () => {
    const url = pg.createDatabase();
    const db = new PgDatabase(url);
    const admin = new PgDatabase(url);
    try {
      db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY)');
      const insert = db.prepare('INSERT INTO t (k) VALUES (?)');
      const count = db.prepare('SELECT count(*) FROM t').pluck();
      const pid = db.prepare('SELECT pg_backend_pid()').pluck().get() as number;
      // The connection dies inside a transaction, and the code in it catches the first failure and goes on: what it
      // writes next must fail too, not run alone in autocommit on a new connection.
      expect(() =>
        db.transaction(() => {
          insert.run(1);
          admin.prepare('SELECT pg_terminate_backend(?)').get(pid);
          expect(() => insert.run(2)).toThrow();
          insert.run(3);
        })(),
      ).toThrow();
      expect(count.get()).toBe(0);
      db.transaction(() => insert.run(4))();
      expect(count.get()).toBe(1);
      expect(db.reconnects).toBe(1);
    } finally {
      admin.close();
      db.close();
    }
  });

  it('fails the commit of a transaction whose connection was lost, even when the code in it caught the error', () => {
    const url = pg.createDatabase();
    const db = new PgDatabase(url);
    const admin = new PgDatabase(url);
    try {
      db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY)');
      const insert = db.prepare('INSERT INTO t (k) VALUES (?)');
      const pid = db.prepare('SELECT pg_backend_pid()').pluck().get() as number;
      // Nothing runs after the caught failure: COMMIT is the next statement, and it must not go to a new session
      // (where PostgreSQL would answer it with a warning and a COMMIT tag, and nothing would be stored).
      expect(() =>
        db.transaction(() => {
          insert.run(1);
          admin.prepare('SELECT pg_terminate_backend(?)').get(pid);
          expect(() => insert.run(2)).toThrow();
        })(),
      ).toThrow();
      expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
    } finally {
      admin.close();
      db.close();
    }
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
