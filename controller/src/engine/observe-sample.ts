// observeSample: folds one stored sample into an instance's IdleState, incrementally (no rescan of history).
//
// Robustness to the order samples arrive in (agent replay after a reconnect, SSH and provider readings racing):
// - each source has its own track, so an agent sample and an SSH sample for the same minute never interfere;
// - a sample ending at or before the track's last accepted end is LATE (or a duplicate). A late idle sample is ignored:
//   it could only add idleness that the in-order stream did not show. A late busy or unknown sample is recorded (it
//   vetoes any window it touches) and, if it falls inside the current idle run, throws that run away;
// - so reordering can delay a pause, never cause one.
// Restart grace: samples starting before `runningSince` never join an idle run nor the sample counts.
import type { EngineConfig } from '../config/config';
import type { SampleSummary } from '../domain/sample';
import { addToBuckets } from './buckets';
import { busyEvidence, busyReason, classifySample, hasValidTimes, trackOf } from './classify-sample';
import { hostThresholds, type HostThresholds } from './host-busy';
import { bucketMsFor } from './engine-times';
import { emptyIdleState, emptyTrack, forgetRun, type IdleState, rulesKey, type SourceTrack, type TrackSource } from './idle-state';

/**
 * Returns the state with sample `s` folded in; never mutates `state` (null = nothing known yet). O(buckets) per call.
 * Call it for every stored sample of the instance, from any source, in any order.
 */
export function observeSample(state: IdleState | null, s: SampleSummary, cfg: EngineConfig): IdleState {
  let st = state ?? emptyIdleState();
  const rules = rulesKey(cfg);
  if (st.rules !== rules) st = withRules(st, rules);
  const windowMs = cfg.pauseWindowMinutes * 60_000;
  const maxGapMs = cfg.maxGapSeconds * 1000;
  const bucketMs = bucketMsFor(windowMs);
  const key = trackOf(s.source);
  const old = st.tracks[key];
  // One private copy of the track, updated in place below; the caller's state is never touched.
  const tr: SourceTrack = old === undefined ? emptyTrack(bucketMs) : { ...old };
  if (tr.bucketMs !== bucketMs) {
    tr.bucketMs = bucketMs; // the window changed: counts restart (only ever lowers them)
    tr.buckets = [];
  }

  if (!hasValidTimes(s)) {
    // No usable time: it cannot be placed, so it cannot count; but it is not idle either, so the run ends here.
    endRun(tr);
    return withTrack(st, st.stoppedSince, key, tr);
  }

  const host = hostThresholds(cfg);
  const cls = classifySample(s, cfg.pauseThresholdGpu, maxGapMs, host);
  // Activity while we believed it stopped: whatever happened, it was not inactive. The next inventory restarts the clock.
  const stoppedSince = cls === 'busy' && st.stoppedSince !== null && s.t1 > st.stoppedSince ? null : st.stoppedSince;

  if (tr.lastEnd !== null && s.t1 <= tr.lastEnd) {
    if (cls === 'idle') return stoppedSince === st.stoppedSince ? st : { ...st, stoppedSince }; // late idle: ignored
    recordNotIdle(tr, cls, s, cfg.pauseThresholdGpu, host);
    if (tr.runStart !== null && s.t1 >= tr.runStart) endRun(tr);
    return withTrack(st, stoppedSince, key, tr);
  }

  const prevEnd = tr.lastEnd;
  tr.lastEnd = s.t1;
  const beforeRestart = st.runningSince !== null && s.t0 < st.runningSince;
  if (cls !== 'idle') {
    recordNotIdle(tr, cls, s, cfg.pauseThresholdGpu, host);
    endRun(tr);
  } else if (beforeRestart) {
    endRun(tr); // an idle sample straddling the restart neither starts nor extends a run
  } else {
    const gap = prevEnd === null ? null : Math.max(0, s.t0 - prevEnd);
    if (tr.runStart === null || gap === null || gap > maxGapMs) {
      tr.runStart = s.t0;
      tr.runCount = 1;
      tr.runMaxGapMs = 0;
      tr.gapBeforeRunMs = gap;
    } else {
      tr.runCount += 1;
      if (gap > tr.runMaxGapMs) tr.runMaxGapMs = gap;
    }
  }
  if (!beforeRestart) tr.buckets = addToBuckets(tr.buckets, bucketMs, windowMs, s.t0, s.t1, finiteOrNull(s.utilMax), finiteOrNull(s.utilMean));
  return withTrack(st, stoppedSince, key, tr);
}

/** The settings changed (or first sample): runs and counts built under other settings are forgotten. */
function withRules(st: IdleState, rules: string): IdleState {
  const tracks: Partial<Record<TrackSource, SourceTrack>> = {};
  for (const [k, tr] of Object.entries(st.tracks) as [TrackSource, SourceTrack][]) tracks[k] = forgetRun(tr);
  return { ...st, rules, tracks };
}

function endRun(tr: SourceTrack): void {
  tr.runStart = null;
  tr.runCount = 0;
  tr.runMaxGapMs = 0;
  tr.gapBeforeRunMs = null;
}

function recordNotIdle(tr: SourceTrack, cls: 'busy' | 'unknown', s: SampleSummary, thresholdPct: number, host: HostThresholds): void {
  if (cls === 'busy') {
    if (tr.lastBusyEnd !== null && tr.lastBusyEnd > s.t1) return;
    tr.lastBusyEnd = s.t1;
    tr.lastBusyUtil = finiteOrNull(s.utilMax) ?? finiteOrNull(s.utilMean);
    const why = busyEvidence(s, thresholdPct);
    // SM keeps the figure users know (`GPU busy: 77.0%`); other engines say which and where; then the host's evidence.
    tr.lastBusyWhy = why !== null && why.engine === 'sm' ? null : busyReason(s, thresholdPct, host);
  } else if (tr.lastUnknownEnd === null || tr.lastUnknownEnd < s.t1) {
    tr.lastUnknownEnd = s.t1;
  }
}

function withTrack(st: IdleState, stoppedSince: number | null, key: TrackSource, tr: SourceTrack): IdleState {
  const tracks = { ...st.tracks };
  tracks[key] = tr;
  return { ...st, stoppedSince, tracks };
}

function finiteOrNull(v: number | null): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
