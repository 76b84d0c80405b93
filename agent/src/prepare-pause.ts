// Answers the controller's prepare-pause requests: one checkpoint hook at a time, repeats of a request id answered
// from a short memory (a controller that reconnects and asks again must not run the hook twice).
import type { PreparePause, PreparePauseResult } from '../../protocol';
import type { Logger } from '../../protocol/log';
import { runCheckpoint } from './checkpoint';
import { agentNow } from './clock';

export interface PreparePauseHandlerOptions {
  command: string | null;
  /** The agent's own ceiling (CHECKPOINT_TIMEOUT_MS) on the controller's requested timeout. */
  maxTimeoutMs: number;
  env: Record<string, string>;
  logger: Logger;
  killGraceMs?: number;
}

/** Results are remembered this long by request id. */
const REMEMBER_MS = 10 * 60_000;
const REMEMBER_MAX = 32;

export class PreparePauseHandler {
  private running: Promise<PreparePauseResult> | null = null;
  private recent = new Map<string, { at: number; result: PreparePauseResult }>();

  constructor(private readonly opts: PreparePauseHandlerOptions) {}

  handle(req: PreparePause): Promise<PreparePauseResult> {
    const now = agentNow();
    for (const [id, r] of this.recent) if (now - r.at > REMEMBER_MS) this.recent.delete(id);
    const known = this.recent.get(req.requestId);
    if (known) {
      this.opts.logger.info(`prepare-pause ${req.requestId}: already answered (${known.result.outcome})`);
      return Promise.resolve(known.result);
    }
    if (this.running) {
      // A hook is already running: its result answers this request too, under this request's id.
      this.opts.logger.info(`prepare-pause ${req.requestId}: joins the checkpoint already running`);
      return this.running.then((r) => this.remember({ ...r, requestId: req.requestId }));
    }
    const timeoutMs = Math.min(req.timeoutMs, this.opts.maxTimeoutMs);
    if (this.opts.command !== null) this.opts.logger.info(`prepare-pause ${req.requestId}: running the checkpoint hook (limit ${timeoutMs} ms)`);
    const run = runCheckpoint(req.requestId, {
      command: this.opts.command,
      timeoutMs,
      env: this.opts.env,
      killGraceMs: this.opts.killGraceMs,
    }).then((r) => {
      this.running = null;
      const line = `prepare-pause ${req.requestId}: ${r.outcome}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''} in ${r.durationMs} ms`;
      if (r.outcome === 'ok' || r.outcome === 'none') this.opts.logger.info(line);
      else this.opts.logger.warn(line);
      return this.remember(r);
    });
    this.running = run;
    return run;
  }

  private remember(r: PreparePauseResult): PreparePauseResult {
    this.recent.set(r.requestId, { at: agentNow(), result: r });
    while (this.recent.size > REMEMBER_MAX) this.recent.delete(this.recent.keys().next().value!);
    return r;
  }
}
