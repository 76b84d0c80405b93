// Bounded, ordered store of batches the controller has not acknowledged yet: replayed after a reconnect, pruned by
// cumulative acks. When full, the OLDEST batch goes and is counted, so a long outage keeps the most recent hours.
import type { Batch } from '../../protocol';

export class BatchBuffer {
  /** Batches in increasing seq order; `head` skips pruned entries without shifting the array on every ack. */
  private items: Batch[] = [];
  private head = 0;
  private droppedCount = 0;

  constructor(
    private readonly runId: string,
    readonly maxBatches: number,
  ) {
    if (!(Number.isInteger(maxBatches) && maxBatches >= 1)) throw new RangeError('BatchBuffer: maxBatches must be >= 1');
  }

  /** Batches dropped because the buffer was full, since the agent started. */
  get dropped(): number {
    return this.droppedCount;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Add the newest batch (seq must grow); drops and counts the oldest when full. */
  push(batch: Batch): void {
    const last = this.items[this.items.length - 1];
    if (this.size > 0 && last && batch.seq <= last.seq) throw new RangeError(`BatchBuffer: seq ${batch.seq} after ${last.seq}`);
    this.items.push(batch);
    while (this.size > this.maxBatches) {
      this.head++;
      this.droppedCount++;
    }
    this.compact();
  }

  /** Cumulative ack: forget every batch of this run with seq <= `seq`. Returns how many went. Other runs are ignored. */
  ack(runId: string, seq: number): number {
    if (runId !== this.runId) return 0;
    let removed = 0;
    while (this.head < this.items.length && this.items[this.head]!.seq <= seq) {
      this.head++;
      removed++;
    }
    this.compact();
    return removed;
  }

  /** Unacknowledged batches with seq > `afterSeq`, oldest first. */
  after(afterSeq: number): Batch[] {
    const out: Batch[] = [];
    for (let i = this.head; i < this.items.length; i++) if (this.items[i]!.seq > afterSeq) out.push(this.items[i]!);
    return out;
  }

  /** Seq of the oldest unacknowledged batch, or null when empty. */
  get oldestSeq(): number | null {
    return this.size > 0 ? this.items[this.head]!.seq : null;
  }

  /** Reclaim the pruned prefix once it is large, so memory follows the live size. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
