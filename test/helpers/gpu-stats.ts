// Builders for protocol GpuStats and batches with chosen utilizations, shared by store, ingest and e2e tests.
import type { AgentHealth, Batch, GpuStats } from '../../protocol';
import { PROTOCOL_VERSION } from '../../protocol';

/** One GPU's interval stats; `util` null means every reading was unknown. */
export function gpuStats(index: number, util: number | null, opts: { count?: number; unknown?: number; memUsed?: number; memTotal?: number } = {}): GpuStats {
  const count = opts.count ?? 10;
  const unknown = util === null ? count : (opts.unknown ?? 0);
  const memUsed = opts.memUsed ?? (util !== null && util > 0 ? 40_000 : 2);
  return {
    index,
    uuid: `GPU-${index.toString(16).padStart(8, '0')}-0000-0000-0000-000000000000`,
    count,
    utilUnknown: unknown,
    util: util === null ? null : { min: Math.max(0, util - 3), mean: util, max: Math.min(100, util + 3) },
    memUsed: { min: memUsed, mean: memUsed, max: memUsed },
    memTotal: opts.memTotal ?? 81_559,
    temp: { min: 30, mean: 35, max: 40 },
    power: { min: 60, mean: util === null ? 70 : 70 + util * 3, max: 400 },
  };
}

/** `n` GPUs all at `util` (or the per-GPU list). */
export function gpus(n: number, util: number | null | (number | null)[]): GpuStats[] {
  return Array.from({ length: n }, (_, i) => gpuStats(i, Array.isArray(util) ? (util[i] ?? null) : util));
}

export const OK: AgentHealth = { state: 'ok' };

export function batch(runId: string, seq: number, t1: number, gpuList: GpuStats[], extra: Partial<Batch> = {}): Batch {
  return {
    v: PROTOCOL_VERSION,
    type: 'batch',
    runId,
    seq,
    t0: t1 - 10_000,
    t1,
    sentAt: t1,
    gpus: gpuList,
    procs: 0,
    health: OK,
    dropped: 0,
    ...extra,
  };
}
