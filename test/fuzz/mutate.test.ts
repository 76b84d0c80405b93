import { describe, expect, it } from 'vitest';
import { BatchSchema } from '../../protocol';
import { rng } from '../traces/trace';
import { hostileFrames, mutateJson } from './mutate';

const batch = {
  v: 1,
  type: 'batch',
  runId: 'run-00000001',
  seq: 1,
  t0: 1_800_000_000_000,
  t1: 1_800_000_010_000,
  sentAt: 1_800_000_010_000,
  gpus: [{ index: 0, uuid: 'GPU-1', count: 10, utilUnknown: 0, util: { min: 1, mean: 2, max: 3 }, memUsed: null, memTotal: 80000, temp: null, power: null }],
  procs: 0,
  health: { state: 'ok' },
  dropped: 0,
};

describe('fuzz generators', () => {
  it('the base frame is valid and mutations are almost always rejected by the schema', () => {
    expect(BatchSchema.safeParse(batch).success).toBe(true);
    const r = rng(7);
    let rejected = 0;
    for (let i = 0; i < 500; i++) if (!BatchSchema.safeParse(mutateJson(batch, r)).success) rejected++;
    // Some mutations are harmless (e.g. a mean changed within bounds); most must not pass.
    expect(rejected).toBeGreaterThan(300);
  });

  it('is deterministic for a seed and covers every kind of frame', () => {
    const a = [...hostileFrames([batch], 3, 200, 1024)];
    const b = [...hostileFrames([batch], 3, 200, 1024)];
    expect(a).toEqual(b);
    expect(a.some((f) => f.kind === 'binary')).toBe(true);
    expect(a.some((f) => f.kind === 'text' && f.data.length > 1024)).toBe(true);
  });
});
