// Validation of a stored IdleState: a damaged or foreign row becomes null (start fresh), never a crash or a wrong clock.
//
// Starting fresh is the safe direction: the idle clock restarts (a pause comes a window later) and the stopped clock
// restarts at the next inventory (a delete comes later), so a corrupted row can only delay an action.
import type { InstanceState } from '../domain/instance';
import { type Bucket, type IdleState, IDLE_STATE_VERSION, MAX_BUCKETS, type SourceTrack, TRACK_ORDER, type TrackSource } from './idle-state';

const STATES: readonly InstanceState[] = ['running', 'stopped', 'starting', 'stopping', 'deleted', 'unknown'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): v is number | null => v === null || isNum(v);

function parseBucket(v: unknown): Bucket | null {
  if (!Array.isArray(v) || v.length !== 5 || !v.every(isNum)) return null;
  const [i, n, m, s, x] = v as number[];
  if (!Number.isInteger(i) || !Number.isInteger(n) || !Number.isInteger(m) || n! < 0 || m! < 0 || m! > n!) return null;
  return [i!, n!, m!, s!, x!];
}

function parseTrack(v: unknown): SourceTrack | null {
  if (!isObj(v)) return null;
  const { lastEnd, runStart, runCount, runMaxGapMs, gapBeforeRunMs, lastBusyEnd, lastBusyUtil, lastBusyWhy, lastUnknownEnd, bucketMs, buckets } = v;
  if (!(lastBusyWhy === undefined || lastBusyWhy === null || (typeof lastBusyWhy === 'string' && lastBusyWhy.length <= 200))) return null;
  if (![lastEnd, runStart, gapBeforeRunMs, lastBusyEnd, lastBusyUtil, lastUnknownEnd].every(numOrNull)) return null;
  if (!isNum(runCount) || runCount < 0 || !isNum(runMaxGapMs) || !isNum(bucketMs) || bucketMs <= 0) return null;
  if (!Array.isArray(buckets) || buckets.length > MAX_BUCKETS) return null;
  const parsed: Bucket[] = [];
  for (const b of buckets) {
    const pb = parseBucket(b);
    if (pb === null) return null;
    if (parsed.length > 0 && parsed[parsed.length - 1]![0] >= pb[0]) return null;
    parsed.push(pb);
  }
  return {
    lastEnd: lastEnd as number | null,
    runStart: runStart as number | null,
    runCount,
    runMaxGapMs,
    gapBeforeRunMs: gapBeforeRunMs as number | null,
    lastBusyEnd: lastBusyEnd as number | null,
    lastBusyUtil: lastBusyUtil as number | null,
    lastBusyWhy: lastBusyWhy ?? null,
    lastUnknownEnd: lastUnknownEnd as number | null,
    bucketMs,
    buckets: parsed,
  };
}

/** Parse a stored state (JSON text or an already-parsed value); null when it is not a valid IdleState of this version. */
export function parseIdleState(input: unknown): IdleState | null {
  let v: unknown = input;
  if (typeof input === 'string') {
    try {
      v = JSON.parse(input);
    } catch {
      return null; // The caller logs that the row was reset; the engine has no logger by design (pure).
    }
  }
  if (!isObj(v) || v.v !== IDLE_STATE_VERSION) return null;
  const { firstSeenAt, lastState, lastSeenAt, runningSince, stoppedSince, rules, tracks } = v;
  if (![firstSeenAt, lastSeenAt, runningSince, stoppedSince].every(numOrNull)) return null;
  if (rules !== null && typeof rules !== 'string') return null;
  if (lastState !== null && !STATES.includes(lastState as InstanceState)) return null;
  if (!isObj(tracks)) return null;
  const out: Partial<Record<TrackSource, SourceTrack>> = {};
  for (const [k, t] of Object.entries(tracks)) {
    if (!TRACK_ORDER.includes(k as TrackSource)) return null;
    const pt = parseTrack(t);
    if (pt === null) return null;
    out[k as TrackSource] = pt;
  }
  return {
    v: IDLE_STATE_VERSION,
    firstSeenAt: firstSeenAt as number | null,
    lastState: lastState as InstanceState | null,
    lastSeenAt: lastSeenAt as number | null,
    runningSince: runningSince as number | null,
    stoppedSince: stoppedSince as number | null,
    rules: rules as string | null,
    tracks: out,
  };
}
