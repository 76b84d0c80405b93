// Counts compute processes on the GPUs with a SECOND long-lived child:
// `nvidia-smi --query-compute-apps=pid --format=csv,noheader -lms <period>`.
//
// Why a second child and not one spawn per report: docs/architecture.md's targets allow about one child a day plus restarts, and
// nvidia-smi -h (in the real captures test/fixtures/captures.ts replays) lists -l/-lms under "[plus any of]" for every
// SELECTIVE QUERY, --query-compute-apps included; the query options are "[one of]", so --query-gpu and
// --query-compute-apps cannot share the first child. Two children a day, plus restarts.
//
// The catch: an iteration with no process prints nothing at all (the idle captures show only the header), so "0" is
// inferred, not read: when the child ran for the whole interval without exiting, its period is short enough for at
// least one iteration to fall inside, and it printed no pid, the count is 0. Anything doubtful is null ("not read").
// The count is the number of distinct pids seen during the interval (sampled every period, half a report interval).
// Inside containers nvidia-smi often lists no processes at all (separate PID namespace), so 0 never means idle;
// the controller treats procs as a hint and uses utilization for decisions.
import type { Logger } from '../../../protocol/log';
import { SupervisedChild } from './supervised-child';
import { agentNow } from '../clock';

export interface ProcsReaderOptions {
  nvidiaSmi: string;
  /** The report interval; the child samples twice per interval. */
  reportIntervalMs: number;
  env: Record<string, string>;
  logger: Logger;
  backoffMinMs?: number;
  backoffMaxMs?: number;
}

export function procsPeriodMs(reportIntervalMs: number): number {
  return Math.max(500, Math.floor(reportIntervalMs / 2));
}

export function procsArgs(periodMs: number): string[] {
  return ['--query-compute-apps=pid', '--format=csv,noheader', '-lms', String(periodMs)];
}

export class ProcsReader {
  private readonly child: SupervisedChild;
  private readonly periodMs: number;
  private pids = new Set<number>();
  private bad = false;
  private exitedAt = 0;
  private warned = false;

  constructor(private readonly opts: ProcsReaderOptions) {
    this.periodMs = procsPeriodMs(opts.reportIntervalMs);
    this.child = new SupervisedChild({
      command: opts.nvidiaSmi,
      args: procsArgs(this.periodMs),
      env: opts.env,
      backoffMinMs: opts.backoffMinMs,
      backoffMaxMs: opts.backoffMaxMs,
      onStdoutLine: (l) => this.onLine(l),
      onExit: (e) => {
        if (e.stopped) return;
        this.exitedAt = agentNow();
        // The GPU reader reports nvidia-smi trouble in `health`; here one line per streak is enough.
        const line = `compute-process query stopped (${e.errno ?? (e.signal ? `signal ${e.signal}` : `code ${e.code}`)}); procs unknown, retrying in ${(e.restartInMs / 1000).toFixed(1)} s`;
        if (this.warned) opts.logger.debug(line);
        else opts.logger.warn(line);
        this.warned = true;
      },
    });
  }

  get spawnCount(): number {
    return this.child.startCount;
  }

  start(): void {
    this.child.start();
  }

  stop(): Promise<void> {
    return this.child.stop();
  }

  /** Processes seen in [t0, t1], or null when that cannot be told; starts the next interval. */
  take(t0: number, t1: number): number | null {
    const seen = this.pids.size;
    const bad = this.bad;
    this.pids = new Set();
    this.bad = false;
    if (bad || this.exitedAt >= t0) return null;
    if (seen > 0) return seen;
    const since = this.child.runningSince;
    if (since === 0) return null;
    // An empty answer means 0 only if a whole period (plus time for the query) fell inside the interval.
    return t1 - Math.max(since, t0) >= this.periodMs * 1.5 ? 0 : null;
  }

  private onLine(line: string): void {
    const s = line.trim();
    if (/^\d{1,10}$/.test(s)) {
      this.pids.add(Number(s));
      if (this.warned) {
        this.opts.logger.debug('compute-process query running again');
        this.warned = false;
      }
    } else {
      // [N/A], [Insufficient Permissions], driver errors: the count is not known this interval.
      this.bad = true;
    }
  }
}
