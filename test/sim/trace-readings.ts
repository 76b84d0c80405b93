// Turns a trace's 1 s points into the agent's per-interval GpuStats with the agent's own Aggregator, cached per minute.
// A week of 200 instances is 121 M readings; instances that play the same trace object share one cache, so each
// (trace, seed) is aggregated once and the simulator's hot path only looks minutes up.
import { Aggregator } from '../../protocol/nvidia-smi/aggregate';
import type { GpuReading } from '../../protocol/nvidia-smi/parse';
import type { GpuStats } from '../../protocol';
import type { Trace, TracePoint } from '../traces/trace';

export const GPU_UUID = 'GPU-5a1e0000-0000-4000-8000-000000000000';

/** What nvidia-smi would print for one trace second (one GPU). memTotal is filled in per instance by the agent. */
export function readingOf(p: TracePoint): GpuReading {
  const r: GpuReading = {
    index: 0,
    uuid: GPU_UUID,
    name: null,
    util: p.util,
    memUsedMiB: Math.round(p.memUsedMiB),
    memTotalMiB: null,
    tempC: 35 + Math.round((p.util ?? 60) / 3),
    powerW: Math.round(p.powerW * 100) / 100,
  };
  // The other engines, as a driver that lists them prints them (video workloads).
  if (p.engines) Object.assign(r, p.engines);
  return r;
}

/** The stats of one full minute of readings, or null when the agent was down for any second of it. */
export interface MinuteStats {
  gpus: GpuStats[] | null;
  /** Compute processes at the end of the minute (work on the GPU = one process). */
  procs: number;
}

const cache = new WeakMap<Trace, (MinuteStats | undefined)[]>();
const released = new WeakMap<Trace, number>();

/** Drops the cached minutes before `m` of `trace`: agents only ever read forward, so a week's run keeps memory flat. */
export function releaseMinutesBefore(trace: Trace, m: number): void {
  const arr = cache.get(trace);
  if (!arr) return;
  const from = released.get(trace) ?? 0;
  for (let i = from; i < Math.min(m, arr.length); i++) arr[i] = undefined;
  released.set(trace, Math.max(from, m));
}

/** Minute `m` of `trace` (seconds 60m .. 60m+59), aggregated exactly as the agent does; memoized per trace object. */
export function minuteStats(trace: Trace, m: number): MinuteStats {
  let arr = cache.get(trace);
  if (!arr) {
    arr = new Array<MinuteStats | undefined>(Math.ceil(trace.durationSec / 60));
    cache.set(trace, arr);
  }
  const hit = arr[m];
  if (hit) return hit;
  const agg = new Aggregator();
  let up = true;
  let last: TracePoint | null = null;
  for (let s = m * 60; s < m * 60 + 60; s++) {
    const p = trace.at(Math.min(s, trace.durationSec - 1));
    if (!p.agentUp) up = false;
    else agg.add(readingOf(p));
    last = p;
  }
  const out: MinuteStats = { gpus: up ? agg.take() : null, procs: last !== null && last.memUsedMiB > 1000 ? 1 : 0 };
  arr[m] = out;
  return out;
}
