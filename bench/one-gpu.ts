// The one GPU of a bench's agent sample: a count of readings and their utilization, nothing else measured (no memory
// used, temperature or power), so the benches' stored rows stay as small as a quiet GPU's.
import type { GpuStats } from '../protocol';

export function oneGpu(count: number, util: { min: number; mean: number; max: number }): GpuStats {
  return { index: 0, uuid: null, count, utilUnknown: 0, util, memUsed: null, memTotal: 24_000, temp: null, power: null };
}
