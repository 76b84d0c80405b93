// Builders shared by the engine's tests and bench/engine.ts: configs, instances and sample streams (no I/O).
import type { EngineConfig } from '../../controller/src/config/config';
import type { MetricSource } from '../../controller/src/domain/instance';
import type { SampleSummary } from '../../controller/src/domain/sample';
import { emptyIdleState, type IdleState } from '../../controller/src/engine/idle-state';
import { observeSample } from '../../controller/src/engine/observe-sample';
import type { EngineInstance } from '../../controller/src/engine/types';

export const MIN = 60_000;
export const HOUR = 3_600_000;
/** A fixed epoch for tests: 2025-01-01T00:00:00Z. */
export const T0 = Date.UTC(2025, 0, 1);

/** The defaults of the real config parser (engine-test-kit.test.ts holds them equal), with overrides. */
export function engineConfig(over: Partial<EngineConfig> = {}): EngineConfig {
  return {
    pauseThresholdGpu: 10,
    pauseWindowMinutes: 30,
    minSamples: 5,
    deleteThresholdHours: 24,
    deleteWarningHours: 1,
    minInstanceAgeHours: 1,
    protectedInstances: [],
    maxGapSeconds: 180,
    providerMetricPause: false,
    ...over,
  };
}

/** Compressed timings (5-minute window, 30-minute delete): a random stream of a few hundred samples spans several windows. */
export const compressedEngineConfig = (): EngineConfig =>
  engineConfig({ pauseWindowMinutes: 5, maxGapSeconds: 60, minSamples: 5, deleteThresholdHours: 0.5, deleteWarningHours: 0.1, minInstanceAgeHours: 0.25 });

export function engineInstance(over: Partial<EngineInstance> = {}): EngineInstance {
  const providerId = over.providerId ?? '123456';
  return {
    id: `vast:${providerId}`,
    provider: 'vast',
    providerId,
    name: 'ML Training Job',
    state: 'running',
    rawState: over.state ?? 'running',
    gpuName: 'RTX 4090',
    numGpus: 1,
    pricePerHour: 0.8,
    stoppedPricePerHour: 0.15,
    createdAt: T0 - 48 * HOUR,
    ssh: null,
    labels: {},
    providerUtil: null,
    holdUntil: null,
    deleteWarnedAt: null,
    lastAction: null,
    ...over,
  };
}

export function sample(t0: number, t1: number, util: number | null, over: Partial<SampleSummary> = {}): SampleSummary {
  return {
    t0,
    t1,
    source: 'agent',
    utilMax: util,
    utilMean: util,
    unknown: util === null,
    count: 10,
    memUsedMiB: 1000,
    memTotalMiB: 24576,
    procs: 0,
    ...over,
  };
}

/** Back-to-back samples of `stepMs` from `from` to `to` (the last one ends at or before `to`). */
export function stream(
  from: number,
  to: number,
  stepMs: number,
  util: number | null | ((t0: number) => number | null),
  source: MetricSource = 'agent',
): SampleSummary[] {
  const out: SampleSummary[] = [];
  for (let t = from; t + stepMs <= to; t += stepMs) out.push(sample(t, t + stepMs, typeof util === 'function' ? util(t) : util, { source }));
  return out;
}

export function feed(state: IdleState | null, samples: readonly SampleSummary[], cfg: EngineConfig): IdleState {
  let st = state;
  for (const s of samples) st = observeSample(st, s, cfg);
  return st ?? emptyIdleState();
}
