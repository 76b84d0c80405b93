// The loop watchdog (docs/health.md): when no optimizer cycle finished for LOOP_WATCHDOG_SECONDS, say so and hand
// over to `onStall` (serve exits non-zero, and systemd's Restart=on-failure starts a fresh process). A stuck await
// (a provider call that never returns) leaves the event loop free, so a timer can see it; a blocked event loop
// stops /healthz answering too, which an outside probe sees.
import type { Logger } from '../log';
import type { LoopHealth } from './loop-health';

export interface LoopWatchdogOptions {
  health: Pick<LoopHealth, 'sinceLastCycleMs'>;
  limitSec: number;
  logger: Logger;
  onStall: () => void;
}

export function startLoopWatchdog(opts: LoopWatchdogOptions): { stop(): void } {
  const limitMs = opts.limitSec * 1000;
  let fired = false;
  const timer = setInterval(
    () => {
      const since = opts.health.sinceLastCycleMs();
      if (fired || since <= limitMs) return;
      fired = true;
      opts.logger.error(
        `watchdog: the optimizer loop has not finished a cycle for ${Math.round(since / 1000)} s (LOOP_WATCHDOG_SECONDS=${opts.limitSec}); ` +
          'giving up so the service manager restarts the controller',
      );
      opts.onStall();
    },
    Math.max(250, Math.min(10_000, limitMs / 4)),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
