// Who hears about stored samples, and when: summaries gathered during a transaction reach the listeners only after
// it commits, so nobody acts on a sample that a rollback then takes back.
import type { SampleSummary } from '../domain/sample';
import type { Logger } from '../log';

export type SamplesListener = (instanceId: string, summaries: SampleSummary[]) => void;

export class CommittedSamples {
  private readonly listeners = new Set<SamplesListener>();
  /** Summaries of the running outermost transaction; null outside one. */
  private pending: Map<string, SampleSummary[]> | null = null;

  constructor(private readonly logger: Logger) {}

  /** True inside an outermost transaction (a nested one joins it). */
  get gathering(): boolean {
    return this.pending !== null;
  }

  begin(): void {
    this.pending = new Map();
  }

  /** Keeps a summary of the running transaction for delivery after its commit. */
  add(instanceId: string, summary: SampleSummary): void {
    const list = this.pending!.get(instanceId);
    if (list) list.push(summary);
    else this.pending!.set(instanceId, [summary]);
  }

  /** The transaction committed: every listener hears about what it stored (one that throws is logged, not rethrown). */
  commit(): void {
    const committed = this.pending;
    // Cleared before delivery: a listener may start a transaction of its own.
    this.pending = null;
    if (committed === null || committed.size === 0 || this.listeners.size === 0) return;
    for (const [instanceId, summaries] of committed) {
      for (const listener of this.listeners) {
        try {
          listener(instanceId, summaries);
        } catch (err) {
          this.logger.error(`samples listener failed for ${instanceId}`, err);
        }
      }
    }
  }

  /** The transaction rolled back (or is over): nobody is told about its samples. */
  discard(): void {
    this.pending = null;
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: SamplesListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
