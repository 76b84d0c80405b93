import { describe, expect, it } from 'vitest';
import type { SampleSummary } from '../domain/sample';
import { SparklineCache } from './sparkline-cache';

const s = (t1: number, util: number | null): SampleSummary => ({
  t0: t1 - 10_000,
  t1,
  source: 'agent',
  utilMax: util,
  utilMean: util,
  unknown: util === null,
  count: 10,
  memUsedMiB: null,
  memTotalMiB: null,
  procs: null,
});

describe('SparklineCache', () => {
  it('reads only what is new after the first render, drops what left the window, and matches a full read', () => {
    const stored: SampleSummary[] = [];
    for (let t = 10_000; t <= 600_000; t += 10_000) stored.push(s(t, t % 30_000 === 0 ? null : t / 10_000));
    const reads: number[] = [];
    const read = (since: number) => (reads.push(since), stored.filter((x) => x.t1 >= since));
    const cache = new SparklineCache();
    let now = 600_000;
    let series = cache.series('vast:1', now - 300_000, now, read);
    expect(series.t1.slice(series.start)).toEqual(stored.filter((x) => x.t1 >= 300_000).map((x) => x.t1));
    stored.push(s(610_000, 99), s(620_000, 98));
    now = 620_000;
    series = cache.series('vast:1', now - 300_000, now, read);
    expect(reads).toEqual([300_000, 600_001]);
    expect(series.t1.slice(series.start)).toEqual(stored.filter((x) => x.t1 >= 320_000).map((x) => x.t1));
    expect(series.util.slice(series.start)).toEqual(stored.filter((x) => x.t1 >= 320_000).map((x) => x.utilMax));
  });

  it('picks up samples stored late (an agent replaying) at the next full re-read', () => {
    const stored = [s(10_000, 1), s(30_000, 3)];
    const cache = new SparklineCache();
    const read = (since: number) => stored.filter((x) => x.t1 >= since);
    cache.series('vast:2', 0, 40_000, read);
    stored.splice(1, 0, s(20_000, 2)); // arrives after the first render, older than what was read
    expect(cache.series('vast:2', 0, 50_000, read).t1).toEqual([10_000, 30_000]);
    const later = cache.series('vast:2', 0, 50_000 + 11 * 60_000, read);
    expect(later.t1).toEqual([10_000, 20_000, 30_000]);
  });
});
