// Whether one sample is idle, busy or unknown. Unknown is never idle: missing, odd or inconsistent data counts as unknown.
// Every engine counts (docs/what-counts-as-work.md): SM, NVENC, NVDEC, NVJPG, optical flow, open encoder sessions.
import type { EngineName, SampleSummary } from '../domain/sample';
import { describeHostEvidence, hostBusy, type HostThresholds } from './host-busy';
import type { TrackSource } from './idle-state';

export type SampleClass = 'idle' | 'busy' | 'unknown';

const isFiniteNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The track a sample belongs to; anything but the three real sources goes to `none` (never idle). */
export function trackOf(source: unknown): TrackSource {
  return source === 'agent' || source === 'ssh' || source === 'provider' ? source : 'none';
}

/** True when the sample's interval is usable: finite times, t1 >= t0. A sample without a usable interval is never counted. */
export function hasValidTimes(s: SampleSummary): boolean {
  return isFiniteNum(s.t0) && isFiniteNum(s.t1) && s.t1 >= s.t0;
}

/** How explain and reasons name each engine. */
export const ENGINE_LABEL: Record<EngineName | 'sm', string> = {
  sm: 'SM',
  enc: 'encoder',
  dec: 'decoder',
  jpeg: 'JPEG',
  ofa: 'optical flow',
  encSessions: 'encoder sessions',
};
const UTIL_ENGINES = ['enc', 'dec', 'jpeg', 'ofa'] as const;

/** The figure that makes a sample busy, for reasons and explain: `encoder 64 % on GPU 0`, `SM 87 %`. */
export interface BusyEvidence {
  engine: EngineName | 'sm';
  value: number;
  /** GPU index; null for SM (the summary keeps only the busiest value). */
  gpu: number | null;
}

/**
 * The engine besides SM that makes this sample busy: the busiest utilization engine at or above the threshold, else
 * an open encoder session (an encode between frames can read 0 % for a moment; an open session is still work).
 */
export function busyEngine(s: SampleSummary, thresholdPct: number): BusyEvidence | null {
  const e = s.engines;
  if (e === undefined || e === null || typeof e !== 'object') return null;
  let best: BusyEvidence | null = null;
  for (const k of UTIL_ENGINES) {
    const p = e[k];
    if (p === undefined || !isFiniteNum(p.max) || p.max < thresholdPct) continue;
    if (best === null || p.max > best.value) best = { engine: k, value: p.max, gpu: isFiniteNum(p.gpu) ? p.gpu : null };
  }
  if (best !== null) return best;
  const sessions = e.encSessions;
  if (sessions !== undefined && isFiniteNum(sessions.max) && sessions.max >= 1)
    return { engine: 'encSessions', value: sessions.max, gpu: isFiniteNum(sessions.gpu) ? sessions.gpu : null };
  return null;
}

/** What made a busy sample busy; null when it is not busy. SM first: it is the figure users know. */
export function busyEvidence(s: SampleSummary, thresholdPct: number): BusyEvidence | null {
  const max = isFiniteNum(s.utilMax) ? s.utilMax : null;
  const mean = isFiniteNum(s.utilMean) ? s.utilMean : null;
  if (max !== null && max >= thresholdPct) return { engine: 'sm', value: max, gpu: null };
  if (mean !== null && mean >= thresholdPct) return { engine: 'sm', value: mean, gpu: null };
  return busyEngine(s, thresholdPct);
}

/** Why a busy sample is busy, in words: the GPU evidence first, else the host's (`inhibited by ...`); null when not busy. */
export function busyReason(s: SampleSummary, thresholdPct: number, host?: HostThresholds): string | null {
  const gpu = busyEvidence(s, thresholdPct);
  if (gpu !== null) return describeEvidence(gpu);
  const h = host === undefined ? null : hostBusy(s, host);
  return h === null ? null : describeHostEvidence(h);
}

/** `encoder 64 % on GPU 0`, `encoder sessions 2 on GPU 1`, `SM 87 %`. */
export function describeEvidence(b: BusyEvidence): string {
  const v = b.engine === 'encSessions' ? `${Math.round(b.value)}` : `${Math.round(b.value * 10) / 10} %`;
  return `${ENGINE_LABEL[b.engine]} ${v}${b.gpu === null ? '' : ` on GPU ${b.gpu}`}`;
}

/**
 * Idle iff: known (`!unknown`), a known utilMax, at least one reading, utilMax below the threshold (and utilMean too,
 * should a buggy producer send mean > max), and no other engine busy. Busy iff a known reading of any engine is at or
 * above the threshold, or an encoder session is open. An engine the GPU does not report adds nothing either way. Everything else is
 * unknown, including: negative or non-finite values, source `none`, and a sample whose interval is longer than the
 * largest allowed gap (its readings could hide a gap as long as that).
 */
export function classifySample(s: SampleSummary, thresholdPct: number, maxGapMs: number, host?: HostThresholds): SampleClass {
  const max = s.utilMax;
  const mean = s.utilMean;
  if (isFiniteNum(max) && max >= thresholdPct) return 'busy'; // a busy reading is busy even next to unknown ones
  if (isFiniteNum(mean) && mean >= thresholdPct) return 'busy';
  // Any other engine at or above the threshold, or an open encoder session: a transcode at SM 8 % is work.
  if (busyEngine(s, thresholdPct) !== null) return 'busy';
  // Work the GPU cannot see: an inhibition, or network / disk / CPU at or above their thresholds.
  if (host !== undefined && hostBusy(s, host) !== null) return 'busy';
  if (s.unknown !== false) return 'unknown';
  if (!isFiniteNum(max) || max < 0) return 'unknown';
  if (mean !== null && (!isFiniteNum(mean) || mean < 0)) return 'unknown';
  if (!isFiniteNum(s.count) || s.count <= 0) return 'unknown';
  if (trackOf(s.source) === 'none') return 'unknown';
  if (s.t1 - s.t0 > maxGapMs) return 'unknown';
  return 'idle';
}
