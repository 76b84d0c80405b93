// A GPU workload trace at 1 s resolution: what nvidia-smi would read, and the ground truth of whether work is going on.

/** One second of a trace. */
export interface TracePoint {
  /** What nvidia-smi reports for utilization.gpu; null = [N/A] (MIG) or unreadable. */
  util: number | null;
  memUsedMiB: number;
  powerW: number;
  /** Ground truth: the user's work is running (or the user needs the machine) at this second. */
  busy: boolean;
  /** Whether the host's agent is alive and can report this second. */
  agentUp: boolean;
}

export interface Trace {
  name: string;
  description: string;
  /** What the optimizer should do with it, in words (the report prints it). */
  expected: string;
  /** Whether a correct optimizer may ever pause it (when idle for a full window). */
  mayPause: boolean;
  /** Seconds. */
  durationSec: number;
  /** Reading at second `t` (0-based) of an instance that is running. Deterministic for a given seed. */
  at(t: number): TracePoint;
  /**
   * When the user comes back to a paused instance and resumes it (seconds), or null if never.
   * Called with the time the instance was paused.
   */
  resumeAfterPause(pausedAt: number): number | null;
}

/** Small deterministic PRNG (mulberry32) so a trace replays identically: the engine property tests' own. */
export { prng as rng } from '../support/engine-scenario-kit';

/** A stable hash of (seed, t) into [0, 1): lets `at(t)` be random-access without replaying from 0. */
export function noise(seed: number, t: number): number {
  let h = (seed * 374761393 + t * 668265263) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}
