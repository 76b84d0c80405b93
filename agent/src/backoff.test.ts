import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles up to the cap and starts over after reset', () => {
    const b = new Backoff({ minMs: 1000, maxMs: 60_000, jitter: 'none' });
    expect(Array.from({ length: 9 }, () => b.next())).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    for (let i = 0; i < 2000; i++) b.next();
    expect(b.next()).toBe(60_000);
    b.reset();
    expect(b.next()).toBe(1000);
  });

  it('full jitter stays between the minimum and the current cap', () => {
    const lo = new Backoff({ minMs: 500, maxMs: 30_000, jitter: 'full', random: () => 0 });
    const hi = new Backoff({ minMs: 500, maxMs: 30_000, jitter: 'full', random: () => 0.999999 });
    const los = Array.from({ length: 10 }, () => lo.next());
    const his = Array.from({ length: 10 }, () => hi.next());
    expect(new Set(los)).toEqual(new Set([500]));
    expect(his.slice(0, 4)).toEqual([500, 1000, 2000, 4000]);
    expect(his[9]).toBe(30_000);
  });

  it('rejects a nonsensical range', () => {
    expect(() => new Backoff({ minMs: 0, maxMs: 1, jitter: 'none' })).toThrow(RangeError);
    expect(() => new Backoff({ minMs: 5, maxMs: 1, jitter: 'none' })).toThrow(RangeError);
  });
});
