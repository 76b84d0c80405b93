// One stored sample of an instance: the readings of all its GPUs over one report interval, reduced for the engine.
import type { HostFigures, InhibitFigures } from './host-activity';
import type { MetricSource } from './instance';

export interface SampleSummary {
  /** Interval covered, controller clock (skew-corrected), epoch ms. */
  t0: number;
  t1: number;
  source: MetricSource;
  /** Highest utilization of any GPU in the interval; null when no GPU had a known reading. */
  utilMax: number | null;
  /** Mean over GPUs of their mean utilization; null when unknown. */
  utilMean: number | null;
  /**
   * True when any reading of any GPU was unknown, the agent reported an error, or no GPU was seen: such a sample is
   * never idle. Decided once, when the sample is stored (store/summarize.ts, the FLAG_UNKNOWN bit); readers ask
   * `knownUtil` or the engine's classifySample, never work it out again.
   */
  unknown: boolean;
  /** Readings behind this sample (all GPUs). */
  count: number;
  memUsedMiB: number | null;
  memTotalMiB: number | null;
  /** Compute processes on the GPUs at the end of the interval, null when not read. */
  procs: number | null;
  /**
   * The busiest GPU of each other engine (NVENC, NVDEC, NVJPG, optical flow, open encoder sessions), over the GPUs
   * whose driver reports it. Absent (or an engine absent) when no GPU reported it: not applicable, never "idle
   * evidence" either way; only `utilMax` (SM) being unknown makes a sample unknown.
   */
  engines?: SampleEngines;
  /** Hottest GPU's peak temperature in whole degrees C; null (or absent) when unknown. For display, never a decision. */
  tempC?: number | null;
  /** The host's network, disk and CPU throughput over the interval (agents of protocol 2 on); absent: not reported. */
  host?: HostFigures;
  /** The oldest inhibition in force at the end of the interval (`cost-optimizer-agent inhibit`); absent: none. */
  inhibit?: InhibitFigures;
}

export type EngineName = 'enc' | 'dec' | 'jpeg' | 'ofa' | 'encSessions';

/** One engine's figure on its busiest GPU: percent (utilization engines) or open sessions (encSessions). */
export interface EnginePeak {
  max: number;
  mean: number;
  gpu: number;
}

export type SampleEngines = Partial<Record<EngineName, EnginePeak>>;

/** The sample's highest utilization when it is known; null when the sample is unknown (stored flag) or had no reading. */
export function knownUtil(s: Pick<SampleSummary, 'unknown' | 'utilMax'>): number | null {
  return s.unknown ? null : s.utilMax;
}
