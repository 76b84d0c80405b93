// The pause window of one instance at time `now`, read from its IdleState: best source, counts, vetoes, coverage.
//
// Source choice: the engine uses the instance's BEST CURRENT source: the first of agent > ssh > provider > none whose
// last sample ended at most maxGap ago. Provider readings (Vast.ai gpu_util) are coarse, so they are used only when
// neither the agent nor SSH has reported recently. Whatever the source chosen:
// - a busy reading from ANY source touching the window vetoes the pause (a worse source may lag, never lie idle);
// - an unknown reading from the chosen source OR A BETTER ONE touching the window vetoes it; unknown readings from a
//   worse source do not (Vast.ai's gpu_util is often null; that must not hide a healthy agent's readings).
// A window [ws, now] is covered when the chosen source's idle run starts at most maxGap after ws, has no gap above
// maxGap (true of every run by construction) and its last sample ended at most maxGap before now.
// Runs built under other settings (IdleState.rules: threshold, gap, window) are ignored until new samples rebuild them.
import { type WindowStats, windowStats } from './buckets';
import type { EngineTimes } from './engine-times';
import { type IdleState, type SourceTrack, TRACK_ORDER, type TrackSource } from './idle-state';

export interface Reading {
  at: number;
  source: TrackSource;
  util: number | null;
  /** What made it busy (`encoder 64 % on GPU 0`); null for unknown readings and states stored before engines counted. */
  why?: string | null;
}

export interface WindowView extends WindowStats {
  source: TrackSource | null;
  windowStart: number;
  windowEnd: number;
  lastSampleEnd: number | null;
  /** Start of the chosen source's current idle run; null when its latest sample was not idle. */
  runStart: number | null;
  /** Latest busy reading from any source ending at or after windowStart. */
  busy: Reading | null;
  /** Latest unknown reading from the chosen source or a better one ending at or after windowStart. */
  unknown: Reading | null;
  /** Time from windowStart to the idle run's first sample (0 when the run began earlier); null without a run. */
  frontGapMs: number | null;
  /** Time since the last sample ended (negative when it ends after `now`); null without a source. */
  tailGapMs: number | null;
  /** Largest gap known inside the window (run gaps, the gap before the run, the tail); null without a source. */
  largestGapMs: number | null;
  /** The last sample ends more than maxGap after `now`: clock skew; nothing is trusted. */
  future: boolean;
  covered: boolean;
  /** Running and idle up to now: since when (the latest non-idle evidence or the restart, whichever is later). */
  idleSince: number | null;
  /** When a pause could come at the earliest if the instance stays idle; null when it is not idle now. */
  pauseEarliest: number | null;
  /** The state was built under other settings: its runs are ignored until new samples rebuild them. */
  rulesChanged: boolean;
}

export function bestSource(st: IdleState | null, now: number, maxGapMs: number): TrackSource | null {
  if (st === null) return null;
  for (const k of TRACK_ORDER) {
    const tr = st.tracks[k];
    if (tr && tr.lastEnd !== null && tr.lastEnd >= now - maxGapMs) return k;
  }
  return null;
}

export function windowView(st: IdleState | null, now: number, t: EngineTimes): WindowView {
  const ws = now - t.windowMs;
  const source = bestSource(st, now, t.maxGapMs);
  const tracks = st?.tracks ?? {};
  const rankLimit = source === null ? TRACK_ORDER.length - 1 : TRACK_ORDER.indexOf(source);

  let busy: Reading | null = null;
  let unknown: Reading | null = null;
  let lastNotIdle: number | null = null; // latest non-idle evidence ever, same source rules as the vetoes
  for (let rank = 0; rank < TRACK_ORDER.length; rank++) {
    const k = TRACK_ORDER[rank]!;
    const tr = tracks[k];
    if (!tr) continue;
    if (tr.lastBusyEnd !== null) {
      lastNotIdle = Math.max(lastNotIdle ?? -Infinity, tr.lastBusyEnd);
      if (tr.lastBusyEnd >= ws && (busy === null || tr.lastBusyEnd > busy.at))
        busy = { at: tr.lastBusyEnd, source: k, util: tr.lastBusyUtil, why: tr.lastBusyWhy ?? null };
    }
    if (rank <= rankLimit && tr.lastUnknownEnd !== null) {
      lastNotIdle = Math.max(lastNotIdle ?? -Infinity, tr.lastUnknownEnd);
      if (tr.lastUnknownEnd >= ws && (unknown === null || tr.lastUnknownEnd > unknown.at)) unknown = { at: tr.lastUnknownEnd, source: k, util: null };
    }
  }

  // Runs built under other settings (threshold, gap, window) are not trusted until new samples rebuild them.
  if (source === null || st === null || st.rules !== t.rulesKey) {
    return {
      source,
      windowStart: ws,
      windowEnd: now,
      samples: 0,
      utilMax: busy === null ? null : (busy as Reading).util,
      utilMean: null,
      lastSampleEnd: null,
      runStart: null,
      busy,
      unknown,
      frontGapMs: null,
      tailGapMs: null,
      largestGapMs: null,
      future: false,
      covered: false,
      idleSince: null,
      pauseEarliest: null,
      rulesChanged: st !== null && st.rules !== null && st.rules !== t.rulesKey,
    };
  }
  const tr = tracks[source] as SourceTrack;
  const lastEnd = tr.lastEnd as number;
  const stats = windowStats(tr.buckets, tr.bucketMs, ws, now, lastEnd);
  const tail = now - lastEnd;
  const future = lastEnd > now + t.maxGapMs;
  const runStart = tr.runStart;
  const front = runStart === null ? null : Math.max(0, runStart - ws);
  let largest = Math.max(0, tail);
  if (runStart !== null) {
    largest = Math.max(largest, tr.runMaxGapMs);
    if (runStart > ws && tr.gapBeforeRunMs !== null) largest = Math.max(largest, Math.min(tr.gapBeforeRunMs, runStart - ws));
  }
  const tailOk = tail <= t.maxGapMs && !future;
  const covered = runStart !== null && front !== null && front <= t.maxGapMs && tailOk;

  let idleSince: number | null = null;
  let pauseEarliest: number | null = null;
  // The episode start as inventory saw it: the window knows no audit log. gatherFacts clamps idleSince with
  // runningSinceOf (narrowed to a later succeeded pause), and the restart-grace rule and pause times use that figure.
  if (runStart !== null && tailOk && st.runningSince !== null) {
    const since = Math.max(runStart, st.runningSince, lastNotIdle ?? -Infinity);
    if (since <= now) idleSince = since;
    // ws must be >= runningSince, > the last non-idle evidence, and >= runStart - maxGap.
    pauseEarliest = Math.max(runStart - t.maxGapMs, st.runningSince, lastNotIdle === null ? -Infinity : lastNotIdle + 1) + t.windowMs;
  }
  // The max shown includes the busy reading that vetoes the window, even a late one or one from another source.
  const busyUtil = busy === null ? null : (busy as Reading).util;
  return {
    source,
    windowStart: ws,
    windowEnd: now,
    samples: stats.samples,
    utilMax: busyUtil !== null ? Math.max(stats.utilMax ?? 0, busyUtil) : stats.utilMax,
    utilMean: stats.utilMean,
    lastSampleEnd: lastEnd,
    runStart,
    busy,
    unknown,
    frontGapMs: front,
    tailGapMs: tail,
    largestGapMs: largest,
    future,
    covered,
    idleSince,
    pauseEarliest,
    rulesChanged: false,
  };
}
