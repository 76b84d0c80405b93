// Retention with an injected clock: raw samples older than the raw window become 5-minute rollups, then expire.
import { beforeEach, describe, expect, it } from 'vitest';
import { gpus, OK } from '../../../test/helpers/gpu-stats';
import { storeBackends, useTempStore } from '../../../test/helpers/temp-store';
import { ROLLUP_BUCKET_MS } from './retention';
import type { SampleInput } from './types';

const H = 3_600_000;
// A bucket-aligned start so the expected rollups are easy to state.
const T0 = Math.floor(1_750_000_000_000 / ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS;
let t: ReturnType<typeof useTempStore>;

/** One sample every 10 s for `minutes`, util alternating 0 and 60 on instance `id`. */
function fill(id: string, from: number, minutes: number, runId = 'run-aaaaaaaa'): void {
  const inputs: SampleInput[] = [];
  for (let i = 0; i < minutes * 6; i++) {
    const t1 = from + (i + 1) * 10_000;
    inputs.push({
      instanceId: id,
      source: 'agent',
      t0: t1 - 10_000,
      t1,
      gpus: gpus(2, i % 2 === 0 ? 0 : 60),
      procs: 1,
      health: OK,
      run: { runId, seq: i + 1 },
    });
  }
  const results = t.store.insertSamples(inputs, from + minutes * 60_000);
  expect(results.every((r) => r.status === 'inserted')).toBe(true);
}

describe.each(storeBackends())('retention (%s)', (backend) => {
  const mine = useTempStore(backend, { retentionRawHours: 48, retentionRollupDays: 3 });
  beforeEach(() => {
    t = mine;
  });

  it('keeps everything younger than the raw window', () => {
    fill('vast:1', T0, 10);
    const p = t.store.runRetention(T0 + 47 * H);
    expect(p.rolledUp).toBe(0);
    expect(t.store.sampleCount('vast:1')).toBe(60);
  });

  it('rolls old samples into 5-minute buckets and deletes them, in small steps', () => {
    fill('vast:1', T0, 10);
    expect(t.store.lastSample('vast:1')!.t1).toBe(T0 + 600_000);
    fill('vast:2', T0, 5);
    // Steps of 7 rows: many steps, each bounded; the pass still completes.
    let steps = 0;
    let rolled = 0;
    for (;;) {
      const p = t.store.retentionStep(T0 + 60 * H, 7);
      steps++;
      rolled += p.rolledUp;
      expect(p.rolledUp).toBeLessThanOrEqual(7);
      if (p.done) break;
    }
    expect(steps).toBeGreaterThan(10);
    expect(rolled).toBe(90);
    expect(t.store.sampleCount('vast:1')).toBe(0);
    expect(t.store.sampleCount('vast:2')).toBe(0);
    expect(t.store.lastSample('vast:1')).toBeNull();
    const r = t.store.rollups('vast:1', 0);
    // 60 samples ending at T0+10s .. T0+600s: buckets [T0, T0+5m) has 29, [T0+5m, T0+10m) 30, [T0+10m, ...) 1.
    expect(r.map((b) => [b.bucket - T0, b.samples])).toEqual([
      [0, 29],
      [ROLLUP_BUCKET_MS, 30],
      [2 * ROLLUP_BUCKET_MS, 1],
    ]);
    expect(r[1]).toMatchObject({ sources: ['agent'], unknownSamples: 0, utilMin: 3, utilMax: 63, coveredMs: 300_000, memUsedMaxMiB: 80_000 });
    expect(r[1]!.utilMean).toBe(30);
    // The agent run is forgotten once it is older than the raw window: nothing left to dedupe against.
    expect(t.store.ackedSeq('vast:1', 'run-aaaaaaaa')).toBe(0);
  });

  it('merges a bucket rolled up in two passes and expires rollups after the rollup window', () => {
    // 58 hours: past the raw window and past the end of T0's UTC day, which PostgreSQL folds as one partition.
    fill('vast:1', T0, 3);
    t.store.runRetention(T0 + 58 * H);
    const more: SampleInput = { instanceId: 'vast:1', source: 'ssh', t0: T0 + 230_000, t1: T0 + 240_000, gpus: gpus(1, null), procs: null, health: OK };
    expect(t.store.insertSamples([more], T0 + 48 * H)[0]!.status).toBe('inserted');
    t.store.runRetention(T0 + 58 * H);
    const [b] = t.store.rollups('vast:1', 0);
    expect(b).toMatchObject({ samples: 19, unknownSamples: 1, sources: ['agent', 'ssh'] });
    t.store.runRetention(T0 + 3 * 24 * H + ROLLUP_BUCKET_MS + 1);
    expect(t.store.rollups('vast:1', 0)).toEqual([]);
  });
});
