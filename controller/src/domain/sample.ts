// One stored sample of an instance: the readings of all its GPUs over one report interval, reduced for the engine.
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
  /** True when any reading of any GPU was unknown, the agent reported an error, or no GPU was seen: such a sample is never idle. */
  unknown: boolean;
  /** Readings behind this sample (all GPUs). */
  count: number;
  memUsedMiB: number | null;
  memTotalMiB: number | null;
  /** Compute processes on the GPUs at the end of the interval, null when not read. */
  procs: number | null;
}
