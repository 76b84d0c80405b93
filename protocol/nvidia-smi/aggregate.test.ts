import { describe, expect, it } from 'vitest';
import { GpuStatsSchema } from '../index';
import { Aggregator, statsOf } from './aggregate';
import type { GpuReading } from './parse';

const reading = (index: number, util: number | null, mem = 100): GpuReading => ({
  index,
  uuid: `GPU-${index}`,
  name: 'H100',
  util,
  memUsedMiB: mem,
  memTotalMiB: 80000,
  tempC: 40,
  powerW: 70,
});

describe('Aggregator', () => {
  it('computes min/mean/max per GPU and counts unknown readings', () => {
    const a = new Aggregator();
    for (const u of [2, 4, 9]) a.add(reading(0, u));
    a.add(reading(1, 50));
    a.add(reading(1, null));
    const stats = a.take();
    expect(stats).toHaveLength(2);
    expect(stats[0]).toMatchObject({ index: 0, count: 3, utilUnknown: 0, util: { min: 2, mean: 5, max: 9 } });
    expect(stats[1]).toMatchObject({ index: 1, count: 2, utilUnknown: 1, util: { min: 50, mean: 50, max: 50 } });
    for (const s of stats) expect(GpuStatsSchema.safeParse(s).success).toBe(true);
    expect(a.take()).toEqual([]);
  });

  it('gives null utilization when every reading was unknown (MIG)', () => {
    const [s] = statsOf([reading(0, null, 11125)]);
    expect(s).toMatchObject({ count: 1, utilUnknown: 1, util: null, memUsed: { min: 11125, max: 11125 } });
  });

  it('keeps rounding inside min <= mean <= max', () => {
    const a = new Aggregator();
    for (const u of [33.333, 33.334, 33.335]) a.add(reading(0, u));
    const [s] = a.take();
    expect(GpuStatsSchema.safeParse(s).success).toBe(true);
  });
});
