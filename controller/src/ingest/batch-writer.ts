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
  private readonly now: () => number;
  private readonly counters: WriterStats = { queued: 0, flushes: 0, itemsWritten: 0, failures: 0, lastFlushMs: 0 };

  constructor(private readonly opts: BatchWriterOptions) {
    this.flushDelayMs = opts.flushDelayMs ?? 5;
    this.maxBatch = opts.maxBatch ?? 1000;
    this.maxQueue = opts.maxQueue ?? 50_000;
    this.now = opts.now ?? Date.now;
    if (!(this.flushDelayMs >= 0) || !(this.maxBatch >= 1) || !(this.maxQueue >= this.maxBatch)) {
      throw new Error('BatchWriter: need flushDelayMs >= 0, maxBatch >= 1 and maxQueue >= maxBatch');
    }
  }

  /** Queues a sample; false when the queue is full (nothing queued, callback never called). */
  enqueueSample(input: SampleInput, done: WriteCallback): boolean {
    if (this.samples.length >= this.maxQueue) return false;
    this.samples.push({ input, done });
    this.schedule();
    return true;
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
          for (const h of hellos) this.opts.store.recordHello(h.instanceId, h.hello, now);
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
