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
  /**
   * The other engines nvidia-smi reports (percent; encSessions: open NVENC sessions); absent: the trace's host does
   * not report them (an older driver), so the agent sends SM only.
   */
  engines?: { enc: number; dec: number; jpeg: number; ofa: number; encSessions: number };
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
  /**
   * People at the keyboard (the agent's interactive report) at second `t`: the trace second of the latest terminal
   * input or notebook kernel activity at or before t (null: none yet), and whether a kernel is executing at t.
   * Absent: the host shows no interactive input (the agent reports an idle terminal and no Jupyter server).
   */
  interactive?(t: number): { lastInputSec: number | null; kernelBusy: boolean; kind: 'terminal' | 'notebook' };
  /**
   * Work the GPU cannot see at second `t`: the host's network (non-loopback) and disk throughput in MB/s and its CPU
   * busy share in percent of all cores, as the agent reads them from /proc. Absent: the trace's agent reports none.
   */
  host?(t: number): { netMBs: number; diskMBs: number; cpuPct: number };
  /** The provider this workload runs on, when it matters (forgotten TensorDock v2 instances); absent: any. */
  provider?: 'vast' | 'tensordock' | 'gcp';
}

/** Small deterministic PRNG (mulberry32) so a trace replays identically: the engine property tests' own. */
export { prng as rng } from '../support/engine-scenario-kit';

/** A stable hash of (seed, t) into [0, 1): lets `at(t)` be random-access without replaying from 0. */
export function noise(seed: number, t: number): number {
  let h = (seed * 374761393 + t * 668265263) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}
