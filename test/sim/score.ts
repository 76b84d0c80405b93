// Scores one simulated instance's life against its trace's ground truth: dollars, wrong actions, missed idle time (pure).
import type { Trace } from '../traces/trace';

export interface SimEvent {
  /** Seconds since the simulation start. */
  t: number;
  kind: 'pause' | 'resume' | 'delete';
}

export interface ScoreParams {
  pricePerHour: number;
  stoppedPricePerHour: number;
  pauseWindowSec: number;
  deleteThresholdSec: number;
  /** Idle time within this long of the last work is not counted as missed (window + a couple of cycles). */
  graceSec: number;
  /** How much of the trace was played (a short simulation); default the whole trace. */
  durationSec?: number;
  /** PAUSE_THRESHOLD_GPU: a reading at or above it (or an unknown one) is GPU activity. Default 10. */
  thresholdPct?: number;
}

export interface InstanceScore {
  trace: string;
  costWithoutUsd: number;
  costWithUsd: number;
  wrongPauses: number;
  wrongDeletes: number;
  missedIdleHours: number;
  pauses: number;
  deletes: number;
  /**
   * Not wrong, shown for transparency: pauses that came less than a pause window after the trace's last busy second,
   * i.e. after a stretch the trace calls busy but whose GPU was idle (a notebook user thinking before leaving).
   */
  pausesSoonAfterBusy: number;
}

const lastCache = new WeakMap<Trace, Map<string, Int32Array>>();

/**
 * For each second t < duration, the last second at or before t where `hit` holds (-1 when never). Computed once per
 * trace object and key and cached, so a fleet whose instances share trace objects scores in milliseconds.
 */
function lastIndex(trace: Trace, duration: number, key: string, hit: (t: number) => boolean): Int32Array {
  let byKey = lastCache.get(trace);
  if (!byKey) lastCache.set(trace, (byKey = new Map()));
  const cached = byKey.get(key);
  if (cached && cached.length >= duration) return cached;
  const last = new Int32Array(duration).fill(-1);
  let prev = -1;
  for (let t = 0; t < duration; t++) {
    if (hit(t)) prev = t;
    last[t] = prev;
  }
  byKey.set(key, last);
  return last;
}

/**
 * A pause is wrong when the trace is busy at that moment (work running, or the user at the machine), or when the GPU
 * did work (a reading at or above the threshold, or an unknown one) less than a pause window before it: the second
 * part is the engine's own rule checked against the ground-truth readings rather than what reached the controller.
 * A pause 20 minutes after a notebook user left (their last GPU work 30 minutes back) is not wrong.
 */
export function isWrongPause(trace: Trace, t: number, p: ScoreParams): boolean {
  const duration = Math.min(trace.durationSec, p.durationSec ?? trace.durationSec);
  const thr = p.thresholdPct ?? 10;
  const active = lastIndex(trace, duration, `active>=${thr}`, (s) => {
    const u = trace.at(s).util;
    return u === null || u >= thr;
  });
  const i = Math.min(duration - 1, Math.max(0, Math.floor(t)));
  return trace.at(i).busy || (active[i]! >= 0 && i - active[i]! < p.pauseWindowSec);
}

export function scoreInstance(trace: Trace, events: readonly SimEvent[], p: ScoreParams): InstanceScore {
  const duration = Math.min(trace.durationSec, p.durationSec ?? trace.durationSec);
  const last = lastIndex(trace, duration, 'busy', (t) => trace.at(t).busy);
  const busyWithin = (t: number, span: number) => {
    const i = Math.min(duration - 1, Math.max(0, Math.floor(t)));
    return last[i]! >= 0 && i - last[i]! <= span;
  };
  const sorted = [...events].sort((a, b) => a.t - b.t);
  let state: 'running' | 'stopped' | 'deleted' = 'running';
  let since = 0;
  let runningSec = 0;
  let stoppedSec = 0;
  let wrongPauses = 0;
  let wrongDeletes = 0;
  let pauses = 0;
  let pausesSoonAfterBusy = 0;
  let deletes = 0;
  let lastPauseAt: number | null = null;
  let missedSec = 0;
  // The optimizer needs a full window after the start and after each resume before it may pause: not missed.
  let activeFrom = 0;
  const accrue = (to: number) => {
    if (state === 'running') {
      for (let t = Math.floor(since); t < Math.floor(to); t++) if (t - activeFrom > p.graceSec && !busyWithin(t, p.graceSec)) missedSec++;
      runningSec += to - since;
    } else if (state === 'stopped') stoppedSec += to - since;
    since = to;
  };
  for (const e of sorted) {
    if (e.t > duration) break;
    accrue(e.t);
    if (e.kind === 'pause' && state === 'running') {
      pauses++;
      if (isWrongPause(trace, e.t, p)) wrongPauses++;
      else if (busyWithin(e.t, p.pauseWindowSec)) pausesSoonAfterBusy++;
      state = 'stopped';
      lastPauseAt = e.t;
    } else if (e.kind === 'resume' && state === 'stopped') {
      state = 'running';
      activeFrom = e.t;
    } else if (e.kind === 'delete' && state !== 'deleted') {
      deletes++;
      // Wrong if work happened within the threshold, or the user would have come back to it.
      const userReturns = lastPauseAt !== null && trace.resumeAfterPause(lastPauseAt) !== null;
      if (busyWithin(e.t, p.deleteThresholdSec) || userReturns || !trace.mayPause) wrongDeletes++;
      state = 'deleted';
    }
  }
  accrue(duration);
  const h = 3600;
  return {
    trace: trace.name,
    costWithoutUsd: (duration / h) * p.pricePerHour,
    costWithUsd: (runningSec / h) * p.pricePerHour + (stoppedSec / h) * p.stoppedPricePerHour,
    wrongPauses,
    wrongDeletes,
    missedIdleHours: missedSec / h,
    pauses,
    deletes,
    pausesSoonAfterBusy,
  };
}
