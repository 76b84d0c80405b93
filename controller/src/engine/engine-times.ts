// The engine's configuration turned into milliseconds once, so every rule compares like with like.
import type { EngineConfig } from '../config/config';
import { BUCKETS_PER_WINDOW, rulesKey } from './idle-state';

const MIN = 60_000;
const HOUR = 3_600_000;

export interface EngineTimes {
  windowMs: number;
  maxGapMs: number;
  deleteMs: number;
  /** DELETE_WARNING_HOURS: the warning comes this long before the delete, and at least this long before it. */
  warnLeadMs: number;
  minAgeMs: number;
  /** Width of the sample-count buckets: a whole number of ms so bucket bounds are exact. */
  bucketMs: number;
  /** A pause or delete recorded less than this long ago (planned, done or dry-run) is not decided again. */
  cooldownMs: number;
  /** See IdleState.rules. */
  rulesKey: string;
}

export function engineTimes(cfg: EngineConfig): EngineTimes {
  const windowMs = cfg.pauseWindowMinutes * MIN;
  return {
    windowMs,
    maxGapMs: cfg.maxGapSeconds * 1000,
    deleteMs: cfg.deleteThresholdHours * HOUR,
    warnLeadMs: cfg.deleteWarningHours * HOUR,
    minAgeMs: cfg.minInstanceAgeHours * HOUR,
    bucketMs: bucketMsFor(windowMs),
    cooldownMs: windowMs,
    rulesKey: rulesKey(cfg),
  };
}

export function bucketMsFor(windowMs: number): number {
  return Math.max(1, Math.floor(windowMs / BUCKETS_PER_WINDOW));
}
