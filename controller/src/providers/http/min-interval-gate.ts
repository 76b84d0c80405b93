// Per-endpoint minimum spacing between calls: Vast.ai rate-limits each endpoint separately (list ~1/s, show 2 s, destroy 3 s).
import { sleep } from '../../retry/retry-policy';

export class MinIntervalGate {
  /** When the last call of each key was let through (epoch ms). */
  private readonly last = new Map<string, number>();
  /** Callers of a key queue behind each other, so a late wake-up can never squeeze two calls together. */
  private readonly tail = new Map<string, Promise<void>>();

  constructor(
    private readonly intervals: Readonly<Record<string, number>>,
    private readonly now: () => number = Date.now,
    private readonly sleepFn: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
  ) {}

  intervalOf(key: string): number {
    const v = this.intervals[key];
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
  }

  private dueIn(key: string, interval: number): number {
    return (this.last.get(key) ?? Number.NEGATIVE_INFINITY) + interval - this.now();
  }

  /** Resolves when `key` may be called: at least its interval after the previous call was let through. */
  async wait(key: string, signal?: AbortSignal): Promise<void> {
    const interval = this.intervalOf(key);
    if (interval === 0) return;
    const prev = this.tail.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = prev.then(() => mine);
    this.tail.set(key, tail);
    try {
      await abortable(prev, signal);
      // A timer may fire a millisecond early by the wall clock (Node rounds timers on its own clock): sleep again
      // until the interval has really passed, so the spacing holds as the provider's clock sees it.
      for (let due = this.dueIn(key, interval); due > 0; due = this.dueIn(key, interval)) await this.sleepFn(due, signal);
      this.last.set(key, this.now());
    } finally {
      release();
      if (this.tail.get(key) === tail) this.tail.delete(key);
    }
  }
}

function abortable(p: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
