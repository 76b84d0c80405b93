// What the leader's sample feed (replicas/store-sample-feed.ts) reads on PostgreSQL: the samples committed since a
// transaction horizon, and at its start those stored within a time margin, each with its row key and the id of the
// transaction that wrote it (migration 10).
import type { SampleSummary } from '../domain/sample';
import { CURRENT_SNAPSHOT_SQL, parseSnapshot, type PgSnapshot, snapshotParams, writtenSince } from './sql/pg-snapshot';
import type { SqlDatabase } from './sql/sql-database';
import { type SampleRow, storedSummary } from './samples-repo';

/** Where a read stopped: rows come in (transaction, key) order. */
export interface FeedCursor {
  xid: string;
  inst: number;
  t1: number;
  run: number;
  seq: number;
}

/** A stored sample as the feed reads it. */
export interface StoredSince {
  instanceId: string;
  /** Unique per stored row (instance key, end, run, sequence). */
  key: string;
  /** The writing transaction's id (xid8, as text). */
  xid: string;
  cursor: FeedCursor;
  /** Null for a row the reader said it already has (not decoded). */
  summary: SampleSummary | null;
}

type FeedRow = SampleRow & { inst: number; id: string; run: number; seq: number; xid: string; mem_total_mib: number | null };

const COLUMNS = `s.inst, i.id, s.t1, s.run, s.seq, s.dur, s.flags, s.cnt, s.procs, s.gpus, CAST(s.xid AS TEXT) AS xid, m.mem_total_mib
  FROM samples s JOIN instances i ON i.key = s.inst LEFT JOIN sample_marks m ON m.inst = s.inst`;

export class SampleFeedReads {
  private readonly stmt;

  constructor(private readonly db: SqlDatabase) {
    this.stmt = {
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
  addedSince(since: number, after: FeedCursor | null, limit: number, known: (key: string) => boolean): StoredSince[] {
    const a = after ?? { xid: '0', inst: -1, t1: 0, run: 0, seq: 0 };
    return this.shape(this.stmt.addedSince.all(since, a.xid, a.inst, a.t1, a.run, a.seq, limit) as FeedRow[], known);
  }

  /**
   * Samples written by the transactions `prev` did not count as ended (running then, or begun since) and `upto` does
   * not count as begun later, after `after` in (transaction, key) order; at most `limit`. A transaction left open
   * elsewhere on the server (an idle session) only adds its own rows: nothing else is read twice.
   */
  committedSince(prev: PgSnapshot, upto: PgSnapshot, after: FeedCursor | null, limit: number, known: (key: string) => boolean): StoredSince[] {
    const a = after ?? { xid: '0', inst: -1, t1: 0, run: 0, seq: 0 };
    return this.shape(this.stmt.committedSince.all(...snapshotParams(prev, upto), a.xid, a.inst, a.t1, a.run, a.seq, limit) as FeedRow[], known);
  }

  private shape(rows: readonly FeedRow[], known: (key: string) => boolean): StoredSince[] {
    return rows.map((r) => {
      const key = `${r.inst}:${r.t1}:${r.run}:${r.seq}`;
      const cursor = { xid: r.xid, inst: r.inst, t1: r.t1, run: r.run, seq: r.seq };
      // Decoding is most of the cost: rows the reader already has are passed over.
      return { instanceId: r.id, key, xid: r.xid, cursor, summary: known(key) ? null : storedSummary(r, r.mem_total_mib) };
    });
  }
}
