// Exponential backoff, the one implementation for the agent and the controller: attempt number -> delay, and a counter.
// Reconnects use jitter (AWS architecture blog, "Exponential Backoff And Jitter") so that thousands of agents dropped
// by one controller restart, or many controllers refused by one provider, do not all come back in the same second.

/** How the random part of a delay is drawn. */
export type BackoffJitter =
  /** No randomness: exactly the exponential delay. */
  | 'none'
  /** Uniform between baseMs and the exponential delay: never sooner than the first delay. */
  | 'from-base'
  /** A share of the delay is random: delay x (1 - share) + delay x share x random(); 1 is "full jitter" (0..delay). */
  | { share: number };

export interface BackoffShape {
  /** The delay before the first retry (attempt 0), before jitter. */
  baseMs: number;
  /** Upper bound of one delay before jitter; Infinity for none. */
  maxMs: number;
  /** Growth per attempt: 2 doubles. */
  factor: number;
  jitter: BackoffJitter;
}

/**
 * Delay in ms before retry number `attempt` (0-based): min(maxMs, baseMs x factor^attempt), then jittered. Not rounded:
 * callers that wait or log whole milliseconds round. `random` (0 <= r < 1) is injectable so tests can pin it; it is
 * called once for a jittered delay, never for 'none'.
 */
export function backoffDelay(attempt: number, shape: BackoffShape, random: () => number = Math.random): number {
  // factor^attempt overflows to Infinity long after the delay passed maxMs, and Math.min keeps it finite; only a zero
  // base times that Infinity (NaN) needs catching: the delay stays 0.
  const grown = shape.baseMs * shape.factor ** attempt;
  const delay = Math.min(shape.maxMs, Number.isNaN(grown) ? 0 : grown);
  const j = shape.jitter;
  if (j === 'none') return delay;
  if (j === 'from-base') return shape.baseMs + random() * (delay - shape.baseMs);
  return delay * (1 - j.share) + delay * j.share * random();
}

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** 'full': uniform between minMs and the current cap, whole ms; 'none': exactly the cap. */
  jitter: 'full' | 'none';
  /** Injectable for tests; defaults to Math.random. */
  random?: () => number;
}

/** A doubling delay that counts its own failures: for restarting a child process and reconnecting. */
export class Backoff {
  private attempt = 0;
  private readonly random: () => number;
  private readonly shape: BackoffShape;

  constructor(private readonly opts: BackoffOptions) {
    if (!(opts.minMs > 0 && opts.maxMs >= opts.minMs)) throw new RangeError('backoff: need 0 < minMs <= maxMs');
    this.random = opts.random ?? Math.random;
    this.shape = { baseMs: opts.minMs, maxMs: opts.maxMs, factor: 2, jitter: opts.jitter === 'full' ? 'from-base' : 'none' };
  }

  /** Failures since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** Delay before the next try; each call doubles the cap up to maxMs. */
  next(): number {
    const delay = backoffDelay(this.attempt, this.shape, this.random);
    this.attempt++;
    return this.opts.jitter === 'none' ? delay : Math.round(delay);
  }

  reset(): void {
    this.attempt = 0;
  }
}
