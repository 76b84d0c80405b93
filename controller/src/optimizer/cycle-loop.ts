// Runs the cycle every CHECK_INTERVAL until stopped; a failing cycle is logged and the loop goes on. Optionally rolls
// up old samples every 10 minutes (the library's run(); `serve` has its own retention job).
import type { Logger } from '../log';

export interface CycleLoopOptions {
  intervalMs: number;
  logger: Logger;
  /** Old samples rolled up every 10 minutes; null when someone else does it. */
  retention: (() => void) | null;
}

export async function runCycleLoop(cycle: () => Promise<unknown>, o: CycleLoopOptions, signal: AbortSignal): Promise<void> {
  let lastRetention = 0;
  while (!signal.aborted) {
    try {
      await cycle();
    } catch (err) {
      o.logger.error('cycle failed', err);
    }
    if (o.retention !== null && Date.now() - lastRetention > 600_000) {
      lastRetention = Date.now();
      try {
        o.retention();
      } catch (err) {
        o.logger.error('retention failed', err);
      }
    }
    await sleepUnlessAborted(o.intervalMs, signal);
  }
}

/**
 * Waits `ms` or until `signal` aborts, whichever is first. The abort listener is removed when the timer fires: the
 * loop waits once a cycle for months, and a listener left behind each time grows without bound.
 */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
