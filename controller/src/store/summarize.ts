// Reduces one batch of GPU readings to the SampleSummary the engine works on. Pure.
// The summary is built from the quantized per-GPU values that are stored, so a summary computed at commit time and
// one read back from the database later are identical.
import type { AgentHealth, GpuStats } from '../../../protocol';
import type { EnginePeak, SampleEngines, SampleSummary } from '../domain/sample';
import { quantizeGpu, STORED_ENGINE_KEYS, type StoredGpu } from './gpu-codec';
import type { SampleSource } from './types';

const SOURCE_CODES: Record<SampleSource, number> = { agent: 0, ssh: 1, provider: 2 };
const SOURCES: SampleSource[] = ['agent', 'ssh', 'provider'];

export const FLAG_UNKNOWN = 4;
export const FLAG_HEALTH_ERROR = 8;

export function sourceCode(s: SampleSource): number {
  return SOURCE_CODES[s];
}

export function sourceFromCode(code: number): SampleSource {
  return SOURCES[code & 3] ?? 'agent';
}

/** A GPU whose utilization is not fully known makes the whole sample unknown: unknown is never idle. */
function gpuUnknown(g: StoredGpu): boolean {
  return g.util === null || g.utilUnknown > 0;
}

export interface PreparedSample {
  gpus: StoredGpu[];
  flags: number;
  count: number;
  memTotalMiB: number | null;
}

export function prepareSample(source: SampleSource, gpus: readonly GpuStats[], health: AgentHealth): PreparedSample {
  const stored = gpus.map(quantizeGpu);
  const healthError = health.state === 'error';
  const unknown = stored.length === 0 || healthError || stored.some(gpuUnknown);
  let count = 0;
  let memTotal: number | null = null;
  for (const g of gpus) {
    count += g.count;
    if (g.memTotal !== null) memTotal = (memTotal ?? 0) + Math.round(g.memTotal);
  }
  return {
    gpus: stored,
    flags: sourceCode(source) | (unknown ? FLAG_UNKNOWN : 0) | (healthError ? FLAG_HEALTH_ERROR : 0),
    count,
    memTotalMiB: memTotal,
  };
}

export function summarizeStored(
  t1: number,
  dur: number,
  flags: number,
  count: number,
  procs: number | null,
  gpus: readonly StoredGpu[],
  memTotalMiB: number | null,
): SampleSummary {
  let utilMax: number | null = null;
  let meanSum = 0;
  let meanN = 0;
  let memUsed: number | null = null;
  let engines: SampleEngines | undefined;
  let tempC: number | null = null;
  for (const g of gpus) {
    if (g.tempC !== null) tempC = Math.max(tempC ?? -Infinity, g.tempC);
    if (g.engines !== undefined) engines = addEngines(engines ?? {}, g);
    if (g.util !== null) {
      utilMax = utilMax === null ? g.util.max : Math.max(utilMax, g.util.max);
      meanSum += g.util.mean;
      meanN++;
    }
    if (g.memUsedMiB !== null) memUsed = (memUsed ?? 0) + g.memUsedMiB;
  }
  return {
    t0: t1 - dur,
    t1,
    source: sourceFromCode(flags),
    utilMax,
    utilMean: meanN === 0 ? null : Math.round((meanSum / meanN) * 100) / 100,
    unknown: (flags & FLAG_UNKNOWN) !== 0,
    count,
    memUsedMiB: memUsed,
    memTotalMiB,
    procs,
    tempC,
    ...(engines === undefined ? {} : { engines }),
  };
}

/** Keeps, per engine, the GPU with the highest figure (the first one on a tie). Unknown engine readings add nothing. */
function addEngines(acc: SampleEngines, g: StoredGpu): SampleEngines {
  for (const k of STORED_ENGINE_KEYS) {
    const v = g.engines?.[k];
    if (v === undefined || v === null) continue;
    const peak: EnginePeak = typeof v === 'number' ? { max: v, mean: v, gpu: g.index } : { max: v.max, mean: v.mean, gpu: g.index };
    const cur = acc[k];
    if (cur === undefined || peak.max > cur.max) acc[k] = peak;
  }
  return acc;
}
