// Per-host exponential backoff: a host whose connection keeps failing is tried less and less often, so a fleet of
// dead hosts cannot eat the sweep's connection slots. Pure state machine; the clock is passed in, the delays are
// protocol/backoff.ts's (doubling, no jitter).
import { backoffDelay } from '../../../protocol/backoff';

export interface HostBackoffOptions {
  /** Wait after the first failure, ms. With the 60 s cycle a single failure costs no sweep; a second one skips one. */
  baseMs: number;
  /** Longest wait, ms. */
  maxMs: number;
}

export const DEFAULT_HOST_BACKOFF: HostBackoffOptions = { baseMs: 60_000, maxMs: 600_000 };

interface Entry {
  failures: number;
  /** Epoch ms before which the host is not tried. */
  until: number;
}

export class HostBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: HostBackoffOptions = DEFAULT_HOST_BACKOFF) {
    if (!(opts.baseMs >= 0 && opts.maxMs >= opts.baseMs)) throw new RangeError('backoff: need 0 <= baseMs <= maxMs');
  }

  /** Null when the host may be tried at `now`; else its state (for the "skipped" message). */
  blocked(key: string, now: number): { failures: number; until: number } | null {
    const e = this.entries.get(key);
    return e && now < e.until ? { failures: e.failures, until: e.until } : null;
  }

  /** Records a failed attempt that started at `startedAt`; returns the time before which it will not be tried. */
  failure(key: string, startedAt: number): number {
    const failures = (this.entries.get(key)?.failures ?? 0) + 1;
    // Counted from the attempt's start so a slow failure (a timeout) does not stretch the wait further.
    const wait = backoffDelay(failures - 1, { baseMs: this.opts.baseMs, maxMs: this.opts.maxMs, factor: 2, jitter: 'none' });
    const until = startedAt + wait;
    this.entries.set(key, { failures, until });
    return until;
  }

  success(key: string): void {
    this.entries.delete(key);
  }

  failures(key: string): number {
    return this.entries.get(key)?.failures ?? 0;
  }

  /** Drops hosts whose wait ended long ago (they left the target list): the map does not grow with fleet churn. */
  prune(now: number): void {
    for (const [k, e] of this.entries) if (now - e.until > this.opts.maxMs) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }
}
