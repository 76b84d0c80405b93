// What the leader learns of samples other replicas stored (docs/scale-out.md): each cycle it reads what committed since
// it last looked. It first reads a snapshot (which transactions had ended), then every row written by a transaction
// the previous snapshot did not count as ended: one that was running at a read and committed after it is read the next
// time. A row read twice is folded in once (a key per stored row; the engine would take a repeat safely, but a
// repeated busy reading could restart an idle run and delay a pause for nothing). The first read has no horizon yet:
// it takes the rows stored within a margin of the database's clock, which the idle clocks loaded at start-up may lack.
// So does the first read on a new connection: a server that crashed hands out again the transaction ids whose records
// it lost, below the horizon, and the rows written with them would never be read.
import type { SampleSummary } from '../domain/sample';
import type { Logger } from '../log';
import type { Store } from '../store';
import { type FeedCursor, feedKey, type SampleFeedReads, type StoredSince } from '../store/sample-feed-reads';
import { mayComeBackAfter, type PgSnapshot } from '../store/sql/pg-snapshot';

export interface SampleFeedTarget {
  observe(instanceId: string, summaries: readonly SampleSummary[]): void;
}

export class StoreSampleFeed {
  /**
   * Keys of rows already folded in, with their transaction: only those a later read may bring back (a transaction
   * the snapshot read before them did not count as ended), and only while it may. Nearly every row is not one.
   */
  private readonly seen = new Map<string, string>();
  private readonly reads: SampleFeedReads;
  /** The snapshot read before the last poll's rows; null before the first poll. */
  private horizon: PgSnapshot | null = null;
  /** How far back a read by time reaches, by the database's clock: the first poll's, or on a new connection. */
  private since: number;
  /** The database's clock at the last poll, and the connection it ran on. */
  private lastClock: number;
  private connection: number;
  /** Rows the last poll read, new or not: what the horizon saves (the margin re-read tens of thousands a cycle). */
  lastRead = 0;

  constructor(
    private readonly store: Store,
    private readonly target: SampleFeedTarget,
    private readonly logger: Logger,
    /** How far back the first read reaches: replicas' clock skew plus the longest transaction. */
    private readonly marginMs: number,
    private readonly pageSize = 50_000,
  ) {
    if (store.feedReads === null) throw new Error('the sample feed reads a store shared by replicas (PostgreSQL)');
    this.reads = store.feedReads;
    this.lastClock = this.reads.clock();
    this.connection = this.reads.connection();
    this.since = this.lastClock - marginMs;
  }

  /** Reads and folds in what was stored since the last call; returns how many samples were new. */
  poll(): number {
    // People at other replicas' agents' keyboards count as much as samples.
    this.store.reloadShared();
    // Read after a statement: a connection lost since the last poll has been made again by now.
    const clock = this.reads.clock();
    const connection = this.reads.connection();
    if (connection !== this.connection && this.horizon !== null) {
      this.logger.warn('sample feed: the database connection was made again; reading by time from before the last read');
      this.horizon = null;
      this.since = this.lastClock - this.marginMs;
    }
    const next = this.reads.snapshot();
    const from = this.horizon;
    // Nearly always empty: then no row's key is even made.
    const known = this.seen.size === 0 ? null : (r: FeedCursor) => this.seen.has(feedKey(r));
    const comesBack = mayComeBackAfter(next);
    let fresh = 0;
    let read = 0;
    let after: FeedCursor | null = null;
    for (;;) {
      const rows: StoredSince[] =
        from === null ? this.reads.addedSince(this.since, after, this.pageSize, known) : this.reads.committedSince(from, next, after, this.pageSize, known);
      read += rows.length;
      const byInstance = new Map<string, SampleSummary[]>();
      for (const r of rows) {
        // Rows already folded in were not decoded (known above).
        if (r.summary === null) continue;
        if (comesBack(r.xid)) this.seen.set(feedKey(r), r.xid);
        fresh++;
        let list = byInstance.get(r.instanceId);
        if (list === undefined) byInstance.set(r.instanceId, (list = []));
        list.push(r.summary);
      }
      // Rows come by transaction; the engine takes each instance's samples in the order they ended.
      for (const [id, list] of byInstance) this.target.observe(id, list.length > 1 ? list.sort((a, b) => a.t1 - b.t1) : list);
      if (rows.length < this.pageSize) break;
      after = rows[rows.length - 1]!;
    }
    this.horizon = next;
    this.lastClock = clock;
    this.connection = connection;
    for (const [key, xid] of this.seen) if (!comesBack(xid)) this.seen.delete(key);
    this.lastRead = read;
    if (fresh > 0) this.logger.debug(`sample feed: ${fresh} samples folded in (${read} read)`);
    return fresh;
  }
}
