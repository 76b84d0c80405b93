// What the leader learns of samples other replicas stored (docs/scale-out.md): each cycle it reads the samples stored
// since it last looked (by the database's clock), a margin back for transactions committing late, and folds
// each one into the idle clocks once (a key per stored row; the engine would take a repeat safely, but a repeated busy
// reading could restart an idle run and delay a pause for nothing).
import type { Logger } from '../log';
import type { Store } from '../store';

export interface SampleFeedTarget {
  observe(instanceId: string, summaries: readonly import('../domain/sample').SampleSummary[]): void;
}

export class StoreSampleFeed {
  /** Keys of rows already folded in, by when they were stored; pruned past the margin. */
  private readonly seen = new Map<string, number>();
  private since: number;
  /** The newest `added` folded in: rows stored before it are the re-read margin, sent without their GPU figures. */
  private newestAdded: number;

  constructor(
    private readonly store: Store,
    private readonly target: SampleFeedTarget,
    private readonly logger: Logger,
    /** How far back each read reaches before the last one: replicas' clock skew plus the longest transaction. */
    private readonly marginMs: number,
  ) {
    this.since = this.clock() - marginMs;
    this.newestAdded = this.since;
  }

  /** `added` is the database's clock (samples-repo.ts): the feed reads by that clock, never a replica's own. */
  private clock(): number {
    return this.store.databaseNow() ?? Date.now();
  }

  /** Reads and folds in what was stored since the last call; returns how many samples were new. */
  poll(): number {
    const now = this.clock();
    // People at other replicas' agents' keyboards count as much as samples.
    this.store.reloadShared();
    const from = this.since;
    let fresh = 0;
    let newest = from;
    for (;;) {
      const rows = this.store.samplesAddedSince(newest, undefined, (key) => this.seen.has(key), this.newestAdded);
      const byInstance = new Map<string, import('../domain/sample').SampleSummary[]>();
      for (const r of rows) {
        if (r.summary === null || this.seen.has(r.key)) continue;
        this.seen.set(r.key, r.added);
        // Not past this poll's clock: a database clock stepped back must not leave every later row on the slow path.
        if (r.added > this.newestAdded) this.newestAdded = Math.min(r.added, now);
        fresh++;
        let list = byInstance.get(r.instanceId);
        if (list === undefined) byInstance.set(r.instanceId, (list = []));
        list.push(r.summary);
      }
      for (const [id, list] of byInstance) this.target.observe(id, list);
      const last = rows.at(-1)?.added;
      // A full page ends inside a run of rows stored in one millisecond at most: read on from there (seen skips repeats).
      if (rows.length < 50_000 || last === undefined || last === newest) break;
      newest = last;
    }
    this.since = Math.max(this.since, now - this.marginMs);
    for (const [key, added] of this.seen) if (added < this.since) this.seen.delete(key);
    if (fresh > 0) this.logger.debug(`sample feed: ${fresh} samples stored since ${new Date(from).toISOString()} folded in`);
    return fresh;
  }
}
