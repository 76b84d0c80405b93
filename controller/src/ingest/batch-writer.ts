// Queues validated agent batches and hellos and writes them in ONE transaction every few milliseconds (or as soon as
// enough are queued); each item's callback runs only after the commit, so an ack always means "on disk".
import type { Hello } from '../../../protocol';
import type { Logger } from '../log';
import type { Store } from '../store';
import type { InsertResult, SampleInput } from '../store/types';

export type WriteCallback = (result: InsertResult | Error) => void;

export interface BatchWriterOptions {
  store: Store;
  logger: Logger;
  /** Longest wait between the first queued item and the commit. */
  flushDelayMs?: number;
  /** Commit at once when this many items are queued. */
  maxBatch?: number;
  /** Refuse new items beyond this (the database cannot keep up); the agent keeps them and retries. */
  maxQueue?: number;
  /**
   * One instance's share of the queue: at this many queued batches `onBacklog(id, true)` asks its connection to stop
   * reading (resumed at half), and at twice this many its batches are refused. One agent flooding therefore never
   * fills the queue for the others. Default max(maxBatch, maxQueue / 25).
   */
  maxQueuePerSource?: number;
  onBacklog?: (instanceId: string, over: boolean) => void;
  /** Checked before a sample is queued: a reason to refuse it (disk guard, rate limit), or null. */
  admit?: (instanceId: string) => string | null;
  now?: () => number;
}

interface SampleJob {
  input: SampleInput;
  done: WriteCallback;
}

export interface WriterStats {
  queued: number;
  flushes: number;
  itemsWritten: number;
  failures: number;
  lastFlushMs: number;
}

export class BatchWriter {
  private samples: SampleJob[] = [];
  private hellos: { instanceId: string; hello: Hello }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly flushDelayMs: number;
  private readonly maxBatch: number;
  private readonly maxQueue: number;
  private readonly maxPerSource: number;
  private readonly perSource = new Map<string, number>();
  private readonly now: () => number;
  private readonly counters: WriterStats = { queued: 0, flushes: 0, itemsWritten: 0, failures: 0, lastFlushMs: 0 };

  constructor(private readonly opts: BatchWriterOptions) {
    this.flushDelayMs = opts.flushDelayMs ?? 5;
    this.maxBatch = opts.maxBatch ?? 1000;
    this.maxQueue = opts.maxQueue ?? 50_000;
    this.now = opts.now ?? Date.now;
    this.maxPerSource = opts.maxQueuePerSource ?? Math.max(this.maxBatch, Math.floor(this.maxQueue / 25));
    if (!(this.flushDelayMs >= 0) || !(this.maxBatch >= 1) || !(this.maxQueue >= this.maxBatch)) {
      throw new Error('BatchWriter: need flushDelayMs >= 0, maxBatch >= 1 and maxQueue >= maxBatch');
    }
  }

  /** Queues a sample; null when queued, else why not (nothing queued, callback never called). */
  enqueueSample(input: SampleInput, done: WriteCallback): string | null {
    const id = input.instanceId;
    const mine = this.perSource.get(id) ?? 0;
    if (mine >= 2 * this.maxPerSource) return 'this agent is over its share of the write queue; retry later';
    if (this.samples.length >= this.maxQueue) return 'server busy; retry later';
    const refusal = this.opts.admit?.(id) ?? null;
    if (refusal !== null) return refusal;
    this.samples.push({ input, done });
    this.perSource.set(id, mine + 1);
    if (mine + 1 === this.maxPerSource) this.opts.onBacklog?.(id, true);
    this.schedule();
    return null;
  }

  /** Batches of one instance waiting for the commit. */
  queuedFor(instanceId: string): number {
    return this.perSource.get(instanceId) ?? 0;
  }

  /** Host facts are written with the next flush; hellos are frequent after a controller restart. */
  enqueueHello(instanceId: string, hello: Hello): void {
    this.hellos.push({ instanceId, hello });
    this.schedule();
  }

  get queued(): number {
    return this.samples.length + this.hellos.length;
  }

  stats(): WriterStats {
    return { ...this.counters, queued: this.queued };
  }

  /** Writes everything queued in one transaction, then runs the callbacks. Synchronous. */
  flush(): void {
    this.clearTimers();
    while (this.samples.length > 0 || this.hellos.length > 0) {
      const jobs = this.samples.splice(0, this.maxBatch);
      const hellos = this.hellos.splice(0, this.maxBatch);
      const now = this.now();
      const started = performance.now();
      let results: InsertResult[] | Error;
      try {
        results = this.opts.store.transaction(() => {
          this.opts.store.recordHellos(hellos, now);
          return this.opts.store.insertSamples(
            jobs.map((j) => j.input),
            now,
          );
        });
        this.counters.itemsWritten += jobs.length + hellos.length;
      } catch (err) {
        this.counters.failures++;
        this.opts.logger.error(`writing ${jobs.length} batches and ${hellos.length} hellos failed; agents will replay them`, err);
        results = err instanceof Error ? err : new Error(String(err));
      }
      this.counters.flushes++;
      this.counters.lastFlushMs = performance.now() - started;
      for (let i = 0; i < jobs.length; i++) {
        const id = jobs[i]!.input.instanceId;
        const left = (this.perSource.get(id) ?? 1) - 1;
        if (left <= 0) this.perSource.delete(id);
        else this.perSource.set(id, left);
        if (left === Math.floor(this.maxPerSource / 2)) this.opts.onBacklog?.(id, false);
        const r = results instanceof Error ? results : results[i]!;
        try {
          jobs[i]!.done(r);
        } catch (err) {
          this.opts.logger.error('batch write callback failed', err);
        }
      }
    }
  }

  /** Flushes what is queued and stops the timers. */
  close(): void {
    this.flush();
  }

  private schedule(): void {
    if (this.samples.length + this.hellos.length >= this.maxBatch) {
      // Let the frames already read in this turn of the event loop join the same transaction.
      this.immediate ??= setImmediate(() => {
        this.immediate = null;
        this.flush();
      });
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flush();
    }, this.flushDelayMs);
  }

  private clearTimers(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }
}
