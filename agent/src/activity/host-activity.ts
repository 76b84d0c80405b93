// The host's network, disk and CPU throughput over each report interval (docs/what-counts-as-work.md, "Work the GPU
// cannot see"): three small file reads under HOST_PROC / HOST_SYS per report, no child process. What cannot be read is
// null (no evidence), never 0.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostActivity } from '../../../protocol';
import type { Logger } from '../../../protocol/log';
import { type CpuTimes, parseDiskStats, parseNetDev, parseProcStatCpu } from './host-counters';

interface Counters {
  at: number;
  net: number | null;
  disk: number | null;
  cpu: CpuTimes | null;
}

export interface HostActivityOptions {
  hostProc: string;
  hostSys: string;
  logger: Logger;
  /** Monotonic ms; injectable for tests. */
  now?: () => number;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

const MB = 1e6;

/** Rate between two counter readings; null when either is unknown or the counter went backwards (reset, wrap). */
function rate(a: number | null, b: number | null, seconds: number): number | null {
  if (a === null || b === null || b < a || seconds <= 0) return null;
  return Math.round(((b - a) / MB / seconds) * 1000) / 1000;
}

/**
 * Rates are measured over at least this long, even when reports come faster: counters that a kernel (or a test)
 * moves in steps must not read 0 between two steps. A transfer therefore reads busy up to this long after it ends:
 * the safe side.
 */
export const MIN_SPAN_MS = 5_000;
const MAX_HISTORY = 64;

export class HostActivityReader {
  /** Recent readings, oldest first. */
  private history: Counters[] = [];
  private warned = new Set<string>();

  constructor(private readonly opts: HostActivityOptions) {}

  /** Reads the counters now; the first call only sets the baseline. */
  prime(): void {
    this.history = [this.readCounters()];
  }

  /** Throughput since the previous call (or prime), over at least MIN_SPAN_MS; every figure null on the first call. */
  take(): HostActivity {
    const now = this.readCounters();
    // The newest earlier reading at least MIN_SPAN_MS old, else the oldest there is.
    let prev: Counters | null = null;
    for (const c of this.history) if (prev === null || now.at - c.at >= MIN_SPAN_MS) prev = c;
    this.history.push(now);
    while (this.history.length > MAX_HISTORY || (this.history.length > 2 && now.at - this.history[1]!.at >= MIN_SPAN_MS)) this.history.shift();
    if (prev === null) return { netMBs: null, diskMBs: null, cpuPct: null };
    const seconds = (now.at - prev.at) / 1000;
    let cpuPct: number | null = null;
    if (prev.cpu !== null && now.cpu !== null && now.cpu.total > prev.cpu.total && now.cpu.busy >= prev.cpu.busy) {
      const pct = ((now.cpu.busy - prev.cpu.busy) / (now.cpu.total - prev.cpu.total)) * 100;
      cpuPct = Math.round(Math.min(100, Math.max(0, pct)) * 10) / 10;
    }
    return { netMBs: rate(prev.net, now.net, seconds), diskMBs: rate(prev.disk, now.disk, seconds), cpuPct };
  }

  private readCounters(): Counters {
    const { hostProc, hostSys } = this.opts;
    const netText = readText(join(hostProc, 'net/dev'));
    const diskText = readText(join(hostProc, 'diskstats'));
    const statText = readText(join(hostProc, 'stat'));
    let wholeDisks: Set<string> | null = null;
    try {
      wholeDisks = new Set(readdirSync(join(hostSys, 'block')));
    } catch {
      // No /sys/block (some containers): partitions are told apart by name instead.
    }
    const c: Counters = {
      at: (this.opts.now ?? (() => performance.now()))(),
      net: netText === null ? null : parseNetDev(netText),
      disk: diskText === null ? null : parseDiskStats(diskText, wholeDisks),
      cpu: statText === null ? null : parseProcStatCpu(statText),
    };
    this.warnOnce('network', c.net, join(hostProc, 'net/dev'));
    this.warnOnce('disk', c.disk, join(hostProc, 'diskstats'));
    this.warnOnce('CPU', c.cpu, join(hostProc, 'stat'));
    return c;
  }

  private warnOnce(what: string, value: unknown, path: string): void {
    if (value !== null || this.warned.has(what)) return;
    this.warned.add(what);
    this.opts.logger.warn(`cannot read ${path}: host ${what} activity is reported as unknown (no evidence either way)`);
  }
}
