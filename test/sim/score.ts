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
}

/** Seconds since the last busy second at or before t (Infinity when never busy), computed once per trace. */
function lastBusyIndex(trace: Trace): Int32Array {
  const last = new Int32Array(trace.durationSec).fill(-1);
  let prev = -1;
  for (let t = 0; t < trace.durationSec; t++) {
    if (trace.at(t).busy) prev = t;
    last[t] = prev;
  }
  return last;
}

export function scoreInstance(trace: Trace, events: readonly SimEvent[], p: ScoreParams): InstanceScore {
  const last = lastBusyIndex(trace);
  const busyWithin = (t: number, span: number) => {
    const i = Math.min(trace.durationSec - 1, Math.max(0, Math.floor(t)));
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
    if (e.t > trace.durationSec) break;
    accrue(e.t);
    if (e.kind === 'pause' && state === 'running') {
      pauses++;
      if (busyWithin(e.t, p.pauseWindowSec)) wrongPauses++;
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
  accrue(trace.durationSec);
  const h = 3600;
  return {
    trace: trace.name,
    costWithoutUsd: (trace.durationSec / h) * p.pricePerHour,
    costWithUsd: (runningSec / h) * p.pricePerHour + (stoppedSec / h) * p.stoppedPricePerHour,
    wrongPauses,
    wrongDeletes,
    missedIdleHours: missedSec / h,
    pauses,
    deletes,
  };
}
