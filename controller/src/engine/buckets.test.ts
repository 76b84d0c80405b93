// Bucket counts: index rounding, insertion, pruning, and the lower-bound window count.
import { describe, expect, it } from 'vitest';
import { addToBuckets, bucketIndex, windowStats } from './buckets';
import { type Bucket, MAX_BUCKETS } from './idle-state';

describe('bucketIndex', () => {
  it('never places a time before its bucket start, even where t/width rounds up', () => {
    for (const width of [1, 3, 7, 90_000, 1_234_567]) {
      for (let k = 0; k < 2000; k++) {
        const t = 1.7e12 + k * 0.37 * width + (k % 3) * 1e-3;
        const i = bucketIndex(t, width);
        expect(i * width).toBeLessThanOrEqual(t);
        expect((i + 1) * width).toBeGreaterThan(t);
      }
    }
  });
});

describe('addToBuckets', () => {
  const W = 100; // window
  const B = 5; // bucket width
  it('adds to the right bucket, inserts out-of-order ones sorted, prunes old ones, never mutates', () => {
    let b: Bucket[] = [];
    b = addToBuckets(b, B, W, 1000, 1001, 3, 2);
    b = addToBuckets(b, B, W, 1002, 1003, 7, null);
    b = addToBuckets(b, B, W, 1010, 1011, null, null);
    const before = JSON.stringify(b);
    const c = addToBuckets(b, B, W, 1006, 1012, 1, 1);
    expect(JSON.stringify(b)).toBe(before);
    expect(c).toEqual([
      [200, 2, 1, 2, 7],
      [201, 1, 1, 1, 1],
      [202, 1, 0, 0, -1],
    ]);
    const d = addToBuckets(c, B, W, 2000, 2001, 1, 1); // far later: everything before the window is pruned
    expect(d).toEqual([[400, 1, 1, 1, 1]]);
    expect(addToBuckets(d, B, W, 1000, 2002, 1, 1)).toEqual(d); // too old to count: not filed
  });

  it('keeps at most MAX_BUCKETS', () => {
    let b: Bucket[] = [];
    for (let t = 0; t < 10_000; t += 1) b = addToBuckets(b, 1, 10_000, t, t, 1, 1);
    expect(b.length).toBe(MAX_BUCKETS);
    expect(b[b.length - 1]![0]).toBe(9_999);
  });
});

describe('windowStats', () => {
  const b: Bucket[] = [
    [9, 4, 4, 40, 30], // [45, 50): starts before ws=47: not counted
    [10, 2, 2, 4, 3], // [50, 55)
    [11, 3, 3, 9, 5], // [55, 60)
    [12, 1, 0, 0, -1], // [60, 65): reaches past now=62
  ];
  it('counts whole buckets inside the window only', () => {
    expect(windowStats(b, 5, 47, 62, 64)).toEqual({ samples: 5, utilMax: 5, utilMean: 13 / 5 });
  });
  it('counts the last partial bucket when every sample ended by now', () => {
    expect(windowStats(b, 5, 47, 62, 61)).toEqual({ samples: 6, utilMax: 5, utilMean: 13 / 5 });
  });
  it('gives nulls when nothing is known', () => {
    expect(windowStats([], 5, 0, 100, null)).toEqual({ samples: 0, utilMax: null, utilMean: null });
  });
});
