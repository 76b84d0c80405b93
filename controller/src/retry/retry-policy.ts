// The one retry policy shape and backoff: exponential with jitter and a cap (protocol/backoff.ts); with-retry.ts runs it.
import { backoffDelay } from '../../../protocol/backoff';

export interface RetryPolicy {
  /** Retries after the first try (0 = try once). */
  maxRetries: number;
  /** Delay before the first retry, before jitter. */
  baseDelayMs: number;
  /** Multiplier per retry. */
  factor: number;
  /** Upper bound of one delay, before jitter. */
  maxDelayMs: number;
  /** Fraction of the delay that is random: 0 = fixed delays, 1 = "full jitter" (0..delay). */
  jitter: number;
}

/**
 * Defaults sized for the providers' rate limits: Vast.ai answers 429 (no Retry-After) when calls come faster
 * than about one a second per endpoint; its official CLI retries 3 times from 0.15 s x1.5. We start a little
 * slower because the per-endpoint gate already spaces calls, and jitter so many controllers do not sync up.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 400,
  factor: 2,
  maxDelayMs: 8_000,
  jitter: 0.5,
};

export function resolveRetryPolicy(partial?: Partial<RetryPolicy>): RetryPolicy {
  const p = { ...DEFAULT_RETRY_POLICY, ...(partial ?? {}) };
  const nonNeg = (n: number, d: number) => (Number.isFinite(n) && n >= 0 ? n : d);
  return {
    maxRetries: Math.floor(nonNeg(p.maxRetries, DEFAULT_RETRY_POLICY.maxRetries)),
    baseDelayMs: nonNeg(p.baseDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs),
    factor: Math.max(1, nonNeg(p.factor, DEFAULT_RETRY_POLICY.factor)),
    maxDelayMs: nonNeg(p.maxDelayMs, DEFAULT_RETRY_POLICY.maxDelayMs),
    jitter: Math.min(1, nonNeg(p.jitter, DEFAULT_RETRY_POLICY.jitter)),
  };
}

/** Delay before retry number `retry` (0-based), whole ms (protocol/backoff.ts). `random` is injectable so tests can pin it. */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const shape = { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, factor: policy.factor, jitter: { share: policy.jitter } };
  return Math.round(backoffDelay(retry, shape, random));
}

/** Sleep that ends early (rejecting with the signal's reason) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
