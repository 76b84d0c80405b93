// Runs retention passes periodically in small steps, yielding to the event loop between steps so ingest never
// waits more than one step (a few thousand rows) for the database.
import { type Logger } from '../log';
import type { Store } from './store';

export interface RetentionScheduler {
  stop(): void;
  /** Starts a pass now (if none is running); resolves when it is complete. */
  runNow(): Promise<void>;
}

export function startRetention(
  store: Store,
  logger: Logger,
  opts: {
    intervalMs?: number;
    rowsPerStep?: number;
    now?: () => number;
    /** Runs a pass only while this is true (replicas on one database: the leader alone rolls samples up). */
    when?: () => boolean;
  } = {},
): RetentionScheduler {
  const intervalMs = opts.intervalMs ?? 10 * 60_000;
  const rowsPerStep = opts.rowsPerStep ?? 2_000;
  const now = opts.now ?? Date.now;
  let running: Promise<void> | null = null;
  let stopped = false;

  const pass = (): Promise<void> =>
    new Promise((resolve) => {
      const started = now();
      let rolledUp = 0;
      const step = () => {
        if (stopped || !store.isOpen || opts.when?.() === false) return resolve();
        try {
          const p = store.retentionStep(started, rowsPerStep);
          rolledUp += p.rolledUp;
          if (!p.done) {
            setImmediate(step);
            return;
          }
          if (rolledUp > 0) logger.info(`retention: rolled up ${rolledUp} samples in ${now() - started} ms`);
        } catch (err) {
          logger.error('retention step failed; will retry next interval', err);
        }
        resolve();
      };
      step();
    });

  const runNow = () => {
    running ??= pass().finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => void runNow(), intervalMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
    runNow,
  };
}
