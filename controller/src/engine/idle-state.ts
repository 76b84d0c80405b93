// Per-instance idle state: what the engine remembers between cycles, updated one sample at a time and stored as JSON.
//
// The store keeps one IdleState per instance (JSON text) so a controller restart resumes where it left off. Everything
// here is plain data (numbers, strings, null, arrays): JSON.stringify / parseIdleState round-trip it exactly.
// Size is bounded: at most four source tracks, each with at most MAX_BUCKETS small tuples, whatever the sample rate.
import type { InstanceState } from '../domain/instance';

export const IDLE_STATE_VERSION = 1;

/**
 * Sources with their own track, best first. Samples whose source is not one of the three real ones land in `none`,
 * whose samples are always unknown: it exists so that such samples are visible in `explain`, never to make idleness.
 */
export type TrackSource = 'agent' | 'ssh' | 'provider' | 'none';
export const TRACK_ORDER: readonly TrackSource[] = ['agent', 'ssh', 'provider', 'none'];

/**
 * Sample counts per time bucket, for MIN_SAMPLES and the window's max/mean:
 * `[index, samples, samplesWithMean, sumOfMeans, maxUtil]`; the bucket covers `[index*bucketMs, (index+1)*bucketMs)`
 * of sample START times; maxUtil is -1 when no sample in it had a known utilization.
 */
export type Bucket = [index: number, samples: number, withMean: number, sumMean: number, maxUtil: number];

/** Buckets per pause window: the count ignores partial buckets, so it may undercount by up to ~2/BUCKETS_PER_WINDOW. */
export const BUCKETS_PER_WINDOW = 20;
/** Hard cap on stored buckets per track (a window plus the partial buckets at both ends plus slack). */
export const MAX_BUCKETS = BUCKETS_PER_WINDOW + 4;

/** What the engine knows about one metric source of one instance. Times are epoch ms, controller clock. */
export interface SourceTrack {
  /** Largest sample end (t1) accepted from this source; samples ending at or before it are late or duplicates. */
  lastEnd: number | null;
  /** Start (t0) of the first sample of the current idle run: consecutive idle samples, no gap > maxGap. Null: no run. */
  runStart: number | null;
  /** Samples in the current idle run (for explain; MIN_SAMPLES uses the buckets). */
  runCount: number;
  /** Largest gap between consecutive samples inside the run (ms). */
  runMaxGapMs: number;
  /** Gap between the previous accepted sample of this source and the run's first sample (ms); null when none came before. */
  gapBeforeRunMs: number | null;
  /** End of the latest busy sample (known reading >= threshold) seen from this source, late ones included. */
  lastBusyEnd: number | null;
  /** Highest utilization of that busy sample, for reasons and explain. */
  lastBusyUtil: number | null;
  /** What made that sample busy, e.g. `encoder 64 % on GPU 0` (optional: states stored before engines counted lack it). */
  lastBusyWhy?: string | null;
  /** End of the latest unknown sample ([N/A], error, no GPU, bad data) seen from this source, late ones included. */
  lastUnknownEnd: number | null;
  /** Bucket width the buckets were built with; buckets are dropped when the configured window changes. */
  bucketMs: number;
  /** Sorted by index, at most MAX_BUCKETS. Only samples accepted in order and not before the restart are counted. */
  buckets: Bucket[];
}

export interface IdleState {
  v: typeof IDLE_STATE_VERSION;
  /** First time observeInventory saw the instance: a lower bound of its age when the provider gives no createdAt. */
  firstSeenAt: number | null;
  /** State at the last observeInventory call. */
  lastState: InstanceState | null;
  /**
   * When an inventory reading last changed the state (first seen, a new state, a clock set): a reading that changes
   * nothing leaves the state as it is (observe-inventory.ts). Read by nothing; kept in the stored format for the
   * controllers of earlier versions, which refuse a state without it.
   */
  lastSeenAt: number | null;
  /** When the instance was seen running after not running (or first seen running); null while not running. Restart grace. */
  runningSince: number | null;
  /**
   * While stopped/stopping: since when it has been inactive. Carries the idle run from before the stop (idle -> paused
   * is one inactive stretch for the delete rule); null while running (then the idle run is the inactive clock).
   */
  stoppedSince: number | null;
  /**
   * The settings the idle runs and counts were built with (`rulesKey`). After a restart with another threshold, gap or
   * window, the runs are not trusted (a sample idle under 10 % may be busy under 5 %) and are rebuilt from new samples.
   */
  rules: string | null;
  tracks: Partial<Record<TrackSource, SourceTrack>>;
}

export function emptyIdleState(): IdleState {
  return { v: IDLE_STATE_VERSION, firstSeenAt: null, lastState: null, lastSeenAt: null, runningSince: null, stoppedSince: null, rules: null, tracks: {} };
}

/** The settings that decide what a sample is and how runs and counts are built: threshold, max gap, window. */
export function rulesKey(cfg: {
  pauseThresholdGpu: number;
  maxGapSeconds: number;
  pauseWindowMinutes: number;
  netBusyMBs?: number;
  diskBusyMBs?: number;
  cpuBusyPercent?: number;
}): string {
  const base = `${cfg.pauseThresholdGpu}|${cfg.maxGapSeconds}|${cfg.pauseWindowMinutes}`;
  // Host thresholds join the key only when set, so states kept before they existed still match the defaults' key.
  if (cfg.netBusyMBs === undefined && cfg.diskBusyMBs === undefined && cfg.cpuBusyPercent === undefined) return base;
  return `${base}|${cfg.netBusyMBs ?? ''}|${cfg.diskBusyMBs ?? ''}|${cfg.cpuBusyPercent ?? ''}`;
}

export function emptyTrack(bucketMs: number): SourceTrack {
  return {
    lastEnd: null,
    runStart: null,
    runCount: 0,
    runMaxGapMs: 0,
    gapBeforeRunMs: null,
    lastBusyEnd: null,
    lastBusyUtil: null,
    lastBusyWhy: null,
    lastUnknownEnd: null,
    bucketMs,
    buckets: [],
  };
}

/** The track with its idle run and bucket counts forgotten (restart grace), keeping what guards against late samples. */
export function forgetRun(t: SourceTrack): SourceTrack {
  return { ...t, runStart: null, runCount: 0, runMaxGapMs: 0, gapBeforeRunMs: null, buckets: [] };
}

export function serializeIdleState(s: IdleState): string {
  return JSON.stringify(s);
}
