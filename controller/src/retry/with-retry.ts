// The one retry loop of the controller: try, ask the caller whether the failure may be tried again, wait the one
// backoff (retry-policy.ts: exponential, jittered, capped) and try again, up to the policy's maxRetries. Each caller
// keeps its own judgement of what is safe to repeat; the counting, waiting and aborting live only here.
import { backoffDelayMs, type RetryPolicy, sleep as realSleep } from './retry-policy';

/** Waits `ms`; rejects when `signal` aborts. Injected so that tests run without real time. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Whether a failed try is repeated: false = throw it now; true = after the backoff; `{ afterMs }` = after at least that (Retry-After). */
export type RetryVerdict = boolean | { afterMs: number };

export interface WithRetryOptions {
  policy: RetryPolicy;
  /** Decides about the failure of try number `attempt` (0-based). Not asked after the last allowed try. */
  retryable: (err: unknown, attempt: number) => RetryVerdict;
  /** Told before each wait, for the caller's log line: `attempt` is the try that failed, `delayMs` the wait. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** An aborted signal ends the loop: the last failure is thrown, never a retry. */
  signal?: AbortSignal;
  sleep?: Sleep;
  /** Random source of the jitter; tests pin it. */
  random?: () => number;
  /**
   * What to throw when the wait itself is aborted; default: the failure that led to the wait (the caller's typed
   * error), not the abort reason.
   */
  abortedWait?: (lastError: unknown, cause: unknown) => unknown;
}

/** Runs `attempt(n)` for n = 0, 1, ... until it resolves, a failure is not retryable, or the policy's retries are spent. */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, o: WithRetryOptions): Promise<T> {
  const sleep = o.sleep ?? realSleep;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (n >= o.policy.maxRetries || o.signal?.aborted) throw err;
      const verdict = o.retryable(err, n);
      if (verdict === false) throw err;
      const backoff = backoffDelayMs(n, o.policy, o.random);
      const delay = verdict === true ? backoff : Math.max(backoff, Math.round(verdict.afterMs));
      o.onRetry?.(err, n, delay);
      try {
        await sleep(delay, o.signal);
      } catch (cause) {
        throw o.abortedWait ? o.abortedWait(err, cause) : err;
      }
    }
  }
}
