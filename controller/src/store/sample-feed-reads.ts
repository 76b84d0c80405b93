// What the leader's sample feed (replicas/store-sample-feed.ts) reads on PostgreSQL: the samples committed since a
// transaction horizon, and at its start those stored within a time margin, each with its row key and the id of the
// transaction that wrote it (migration 10).
import type { SampleSummary } from '../domain/sample';
import { CURRENT_SNAPSHOT_SQL, parseSnapshot, type PgSnapshot, snapshotParams, writtenSince } from './sql/pg-snapshot';
import type { SqlDatabase } from './sql/sql-database';
import type { InstanceRecord } from './types';
import { type SampleRow, storedSummary } from './samples-repo';

/** Where a read stopped: rows come in (transaction, key) order. */
export interface FeedCursor {
  xid: string;
  inst: number;
  t1: number;
  run: number;
  seq: number;
}

/**
 * A stored sample as the feed reads it: its place in the read order (the last one of a page is where the next page
 * starts; `xid` is the writing transaction's id, xid8 as text), its instance and its summary. One object per row.
 */
export interface StoredSince extends FeedCursor {
  instanceId: string;
  /** Null for a row the reader said it already has (not decoded), or whose instance row is gone. */
  summary: SampleSummary | null;
}

/** Unique per stored row (instance key, end, run, sequence): what a reader remembers a row by. */
export const feedKey = (r: FeedCursor): string => `${r.inst}:${r.t1}:${r.run}:${r.seq}`;

type FeedRow = SampleRow & { inst: number; run: number; seq: number; xid: string };

// The samples alone: each row's instance id and memory total come from the instance copy (instance-cache.ts), not
// from joining instances and sample_marks, which more than doubled the database's time for a cycle's 10,000 rows.
const COLUMNS = `s.inst, s.t1, s.run, s.seq, s.dur, s.flags, s.cnt, s.procs, s.gpus, CAST(s.xid AS TEXT) AS xid FROM samples s`;

/** Whether the reader already has a row (null: it remembers none, so no row is looked up). */
export type Known = ((row: FeedCursor) => boolean) | null;

/** Instances by row key: the store's copy, brought up to date once per page. */
export interface InstancesByKey {
  byKey(): (key: number) => InstanceRecord | undefined;
}

export class SampleFeedReads {
  private readonly stmt;

  constructor(
    private readonly db: SqlDatabase,
    private readonly instances: InstancesByKey,
  ) {
    this.stmt = {
      idOfKey: db.prepare('SELECT id FROM instances WHERE key = ?').pluck(),
      // Which transactions had ended when it was read: what they wrote is visible to any read from then on.
      snapshot: db.prepare(CURRENT_SNAPSHOT_SQL).pluck(),
      clock: db.prepare('SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)').pluck(),
      addedSince: db.prepare(`SELECT ${COLUMNS} WHERE s.added >= ?
        AND (s.xid, s.inst, s.t1, s.run, s.seq) > (CAST(? AS xid8), ?, ?, ?, ?)
        ORDER BY s.xid, s.inst, s.t1, s.run, s.seq LIMIT ?`),
      // The plain bounds let PostgreSQL walk the xid index; the row comparison resumes a page inside one transaction.
      committedSince: db.prepare(`SELECT ${COLUMNS}
        WHERE ${writtenSince('s.xid')}
        AND (s.xid, s.inst, s.t1, s.run, s.seq) > (CAST(? AS xid8), ?, ?, ?, ?)
        ORDER BY s.xid, s.inst, s.t1, s.run, s.seq LIMIT ?`),
    };
  }

  /** Which transactions have ended: read it before the rows, and read what it did not count as ended next time. */
  snapshot(): PgSnapshot {
    return parseSnapshot(this.stmt.snapshot.get() as string);
  }

  /** Changes whenever the connection is made again (the server restarted, or dropped it). */
  connection(): number {
    return this.db.reconnects ?? 0;
  }

  /** The database's clock, epoch ms: what `added` is stamped with. */
  clock(): number {
    return this.stmt.clock.get() as number;
  }

  /** Samples stored at or after `since` (the database's clock), after `after` in (transaction, key) order; at most `limit`. */
  addedSince(since: number, after: FeedCursor | null, limit: number, known: Known): StoredSince[] {
    const a = after ?? { xid: '0', inst: -1, t1: 0, run: 0, seq: 0 };
    return this.shape(this.stmt.addedSince.all(since, a.xid, a.inst, a.t1, a.run, a.seq, limit) as FeedRow[], known);
  }

  /**
   * Samples written by the transactions `prev` did not count as ended (running then, or begun since) and `upto` does
   * not count as begun later, after `after` in (transaction, key) order; at most `limit`. A transaction left open
   * elsewhere on the server (an idle session) only adds its own rows: nothing else is read twice.
   */
  committedSince(prev: PgSnapshot, upto: PgSnapshot, after: FeedCursor | null, limit: number, known: Known): StoredSince[] {
    const a = after ?? { xid: '0', inst: -1, t1: 0, run: 0, seq: 0 };
    return this.shape(this.stmt.committedSince.all(...snapshotParams(prev, upto), a.xid, a.inst, a.t1, a.run, a.seq, limit) as FeedRow[], known);
  }

  private shape(rows: readonly FeedRow[], known: Known): StoredSince[] {
    const byKey = this.instances.byKey();
    return rows.map((r) => {
      const rec = byKey(r.inst);
      // Not in the copy only if the copy lags the row (it was just synced): read that one id. A sample whose instance
      // row is gone leaves the sample out, as the join did.
      const id = rec?.id ?? (this.stmt.idOfKey.get(r.inst) as string | undefined) ?? '';
      const out: StoredSince = { xid: r.xid, inst: r.inst, t1: r.t1, run: r.run, seq: r.seq, instanceId: id, summary: null };
      // Decoding is most of the cost: rows the reader already has are passed over.
      if (id !== '' && (known === null || !known(out))) out.summary = storedSummary(r, rec?.memTotalMiB ?? null);
      return out;
    });
  }
}
