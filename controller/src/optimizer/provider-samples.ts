// Turns a provider's own utilization figure (Vast.ai `gpu_util`) into a coarse sample, for hosts nothing better reaches.
import type { GpuStats } from '../../../protocol';
import type { ProviderInstance } from '../domain/instance';
import type { SampleInput } from '../store';

export function providerSample(inst: ProviderInstance, t0: number, t1: number): SampleInput | null {
  const u = inst.providerUtil;
  if (inst.state !== 'running' || u === null || !Number.isFinite(u) || u < 0 || u > 100) return null;
  const gpu: GpuStats = {
    index: 0,
    uuid: null,
    count: 1,
    utilUnknown: 0,
    util: { min: u, mean: u, max: u },
    memUsed: null,
    memTotal: null,
    temp: null,
    power: null,
  };
  return { instanceId: inst.id, source: 'provider', t0: Math.min(t0, t1), t1, gpus: [gpu], procs: null, health: { state: 'ok' } };
}
