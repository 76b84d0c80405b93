// The one backoff: the delay arithmetic for every shape in use, and the agent's counter (moved from agent/src/backoff.test.ts).
import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay, type BackoffShape } from './backoff';

describe('backoffDelay', () => {
  const doubling: BackoffShape = { baseMs: 1_000, maxMs: 5_000, factor: 2, jitter: 'none' };

  it('grows by the factor per attempt up to the cap', () => {
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, doubling))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, { ...doubling, baseMs: 150, factor: 1.5 }))).toEqual([150, 225, 337.5, 506.25]);
  });

  it('stays at the cap (or 0 with a zero base) far past any overflow of the exponent; no cap grows on', () => {
    expect(backoffDelay(5_000, doubling)).toBe(5_000);
    expect(backoffDelay(5_000, { ...doubling, baseMs: 0 })).toBe(0);
    expect(backoffDelay(10, { ...doubling, maxMs: Infinity })).toBe(1_024_000);
  });

  it("'none' never draws a random number", () => {
    let draws = 0;
    backoffDelay(3, doubling, () => draws++);
    expect(draws).toBe(0);
  });

  it("'from-base' is uniform between the base and the exponential delay", () => {
    const shape: BackoffShape = { ...doubling, jitter: 'from-base' };
    expect(backoffDelay(2, shape, () => 0)).toBe(1_000);
    expect(backoffDelay(2, shape, () => 0.5)).toBe(2_500);
    expect(backoffDelay(9, shape, () => 0.999999)).toBeCloseTo(5_000, 1);
  });

  it('a share of the delay is random: between (1 - share) and 1 times the exponential delay', () => {
    const half: BackoffShape = { ...doubling, jitter: { share: 0.5 } };
    expect(backoffDelay(1, half, () => 0)).toBe(1_000);
    expect(backoffDelay(1, half, () => 0.5)).toBe(1_500);
    expect(backoffDelay(1, { ...doubling, jitter: { share: 1 } }, () => 0)).toBe(0);
    // Share 0 still draws (the provider clients' injected random sequences rely on one draw per delay).
    let draws = 0;
    expect(backoffDelay(1, { ...doubling, jitter: { share: 0 } }, () => ++draws)).toBe(2_000);
    expect(draws).toBe(1);
  });
});

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
