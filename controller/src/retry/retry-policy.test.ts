import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, resolveRetryPolicy, sleep } from './retry-policy';

describe('backoffDelayMs', () => {
  const policy = { maxRetries: 5, baseDelayMs: 100, factor: 2, maxDelayMs: 500, jitter: 0.5 };

  it('grows exponentially and is capped', () => {
    expect([0, 1, 2, 3, 4].map((r) => backoffDelayMs(r, { ...policy, jitter: 0 }))).toEqual([100, 200, 400, 500, 500]);
  });

  it('jitter spreads the delay between (1 - jitter) and 1 times the raw delay', () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(100);
    expect(backoffDelayMs(1, policy, () => 0.999999)).toBe(200);
    expect(backoffDelayMs(1, { ...policy, jitter: 1 }, () => 0)).toBe(0);
  });
});

describe('resolveRetryPolicy', () => {
  it('fills defaults and repairs nonsense values', () => {
    expect(resolveRetryPolicy()).toEqual(DEFAULT_RETRY_POLICY);
    const p = resolveRetryPolicy({ maxRetries: -3, baseDelayMs: Number.NaN, factor: 0.5, jitter: 7 });
    expect(p).toEqual({ ...DEFAULT_RETRY_POLICY, maxRetries: DEFAULT_RETRY_POLICY.maxRetries, factor: 1, jitter: 1 });
    expect(resolveRetryPolicy({ maxRetries: 2.7 }).maxRetries).toBe(2);
  });
});

describe('sleep', () => {
  it('rejects at once with the reason when the signal aborts', async () => {
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    ac.abort(new Error('shutdown'));
    await expect(p).rejects.toThrow('shutdown');
    await expect(sleep(10, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});
