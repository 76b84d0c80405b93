// Whether one sample is idle, busy or unknown. Unknown is never idle: missing, odd or inconsistent data counts as unknown.
import type { SampleSummary } from '../domain/sample';
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

/**
 * Idle iff: known (`!unknown`), a known utilMax, at least one reading, utilMax below the threshold (and utilMean too,
 * should a buggy producer send mean > max). Busy iff a known reading is at or above the threshold. Everything else is
 * unknown, including: negative or non-finite values, source `none`, and a sample whose interval is longer than the
 * largest allowed gap (its readings could hide a gap as long as that).
 */
export function classifySample(s: SampleSummary, thresholdPct: number, maxGapMs: number): SampleClass {
  const max = s.utilMax;
  const mean = s.utilMean;
  if (isFiniteNum(max) && max >= thresholdPct) return 'busy'; // a busy reading is busy even next to unknown ones
  if (isFiniteNum(mean) && mean >= thresholdPct) return 'busy';
  if (s.unknown !== false) return 'unknown';
  if (!isFiniteNum(max) || max < 0) return 'unknown';
  if (mean !== null && (!isFiniteNum(mean) || mean < 0)) return 'unknown';
  if (!isFiniteNum(s.count) || s.count <= 0) return 'unknown';
  if (trackOf(s.source) === 'none') return 'unknown';
  if (s.t1 - s.t0 > maxGapMs) return 'unknown';
  return 'idle';
}
