// Exponential backoff for restarting nvidia-smi and reconnecting to the controller.
// Reconnects use "full jitter" (AWS architecture blog, "Exponential Backoff And Jitter") so that thousands of agents
// dropped by one controller restart do not all come back in the same second.

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** 'full': uniform between minMs and the current cap; 'none': exactly the cap. */
  jitter: 'full' | 'none';
  /** Injectable for tests; defaults to Math.random. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly opts: BackoffOptions) {
    if (!(opts.minMs > 0 && opts.maxMs >= opts.minMs)) throw new RangeError('backoff: need 0 < minMs <= maxMs');
    this.random = opts.random ?? Math.random;
  }

  /** Failures since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** Delay before the next try; each call doubles the cap up to maxMs. */
  next(): number {
    // 2^attempt overflows to Infinity long after it passed maxMs; Math.min keeps it finite.
    const cap = Math.min(this.opts.maxMs, this.opts.minMs * 2 ** Math.min(this.attempt, 40));
    this.attempt++;
    if (this.opts.jitter === 'none') return cap;
    return Math.round(this.opts.minMs + this.random() * (cap - this.opts.minMs));
  }

  reset(): void {
    this.attempt = 0;
  }
}
