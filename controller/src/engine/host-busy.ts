// Work the GPU cannot see (docs/what-counts-as-work.md): whether a sample's host figures or an inhibition make it
// busy. Pure. A figure at or above its threshold is busy; a threshold of 0 turns that figure off; an unknown figure
// (null, or a sample without host figures) is no evidence either way.
import type { SampleSummary } from '../domain/sample';
import { roughDuration } from '../../../protocol/duration-text';

/**
 * Defaults chosen with the simulator (README, "Work the GPU cannot see"): a dataset download (20-100 MB/s) and
 * multi-process CPU preprocessing stay busy; a forgotten host's background chatter (KB/s of network, cron writes, one
 * stray process at 100 % of one core of 16) stays under them.
 */
export const DEFAULT_NET_BUSY_MB_S = 1;
export const DEFAULT_DISK_BUSY_MB_S = 10;
export const DEFAULT_CPU_BUSY_PERCENT = 20;

export interface HostThresholds {
  netMBs: number;
  diskMBs: number;
  cpuPct: number;
}

export function hostThresholds(cfg: { netBusyMBs?: number; diskBusyMBs?: number; cpuBusyPercent?: number }): HostThresholds {
  return {
    netMBs: cfg.netBusyMBs ?? DEFAULT_NET_BUSY_MB_S,
    diskMBs: cfg.diskBusyMBs ?? DEFAULT_DISK_BUSY_MB_S,
    cpuPct: cfg.cpuBusyPercent ?? DEFAULT_CPU_BUSY_PERCENT,
  };
}

export type HostEvidence =
  { kind: 'inhibit'; why: string; pid: number | null; forMs: number; count: number } | { kind: 'net' | 'disk' | 'cpu'; value: number; threshold: number };

const on = (v: number | null | undefined, threshold: number): v is number => threshold > 0 && typeof v === 'number' && Number.isFinite(v) && v >= threshold;

/** What on the host makes the sample busy, inhibition first; null when nothing does. */
export function hostBusy(s: SampleSummary, t: HostThresholds): HostEvidence | null {
  const i = s.inhibit;
  // In force at the end of the interval; its end is the agent's, capped there at MAX_INHIBIT_MS from its start.
  if (i !== undefined && i.until > s.t1 && i.since <= s.t1) return { kind: 'inhibit', why: i.why, pid: i.pid, forMs: s.t1 - i.since, count: i.count };
  const h = s.host;
  if (h === undefined) return null;
  if (on(h.netMBs, t.netMBs)) return { kind: 'net', value: h.netMBs, threshold: t.netMBs };
  if (on(h.diskMBs, t.diskMBs)) return { kind: 'disk', value: h.diskMBs, threshold: t.diskMBs };
  if (on(h.cpuPct, t.cpuPct)) return { kind: 'cpu', value: h.cpuPct, threshold: t.cpuPct };
  return null;
}

const fig = (v: number) => (v >= 10 ? String(Math.round(v)) : String(Math.round(v * 10) / 10));

/** `inhibited by 'dataset download' (pid 4242, for 12 min)`, `network 62 MB/s (busy at 1 MB/s)`. */
export function describeHostEvidence(e: HostEvidence): string {
  if (e.kind === 'inhibit') {
    const more = e.count > 1 ? `, and ${e.count - 1} more` : '';
    return `inhibited by '${e.why}' (${e.pid === null ? '' : `pid ${e.pid}, `}for ${roughDuration(e.forMs)}${more})`;
  }
  if (e.kind === 'cpu') return `CPU ${fig(e.value)} % of all cores (busy at ${fig(e.threshold)} %)`;
  return `${e.kind === 'net' ? 'network' : 'disk'} ${fig(e.value)} MB/s (busy at ${fig(e.threshold)} MB/s)`;
}

/** True for the words describeHostEvidence makes (the host kept it, not the GPU). */
export function isHostReason(why: string): boolean {
  return /^(inhibited by |network |disk |CPU )/.test(why);
}

/** The figures of a sample for explain and the dashboard: `network 0.1 MB/s, disk 2 MB/s, CPU 3 %`; null when none. */
export function describeHostFigures(s: SampleSummary): string | null {
  const h = s.host;
  if (h === undefined) return null;
  const part = (label: string, v: number | null, unit: string) => `${label} ${v === null ? 'unknown' : fig(v) + unit}`;
  return [part('network', h.netMBs, ' MB/s'), part('disk', h.diskMBs, ' MB/s'), part('CPU', h.cpuPct, ' %')].join(', ');
}
