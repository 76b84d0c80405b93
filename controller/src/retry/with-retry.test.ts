// The one retry loop, scheduled on an injected sleep: no real time passes in these tests.
import { describe, expect, it } from 'vitest';
import type { RetryPolicy } from './retry-policy';
import { withRetry } from './with-retry';

const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 100, factor: 2, maxDelayMs: 300, jitter: 0 };

function recorder() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

function failing(times: number, value = 'ok') {
  let calls = 0;
  const fn = async (n: number) => {
    expect(n).toBe(calls);
    calls++;
    if (calls <= times) throw new Error(`fail ${calls}`);
    return value;
  };
  return { fn, calls: () => calls };
}

describe('withRetry', () => {
  it('retries with the exponential backoff, capped, and ends on the first success', async () => {
    const { waits, sleep } = recorder();
    const f = failing(3);
    await expect(withRetry(f.fn, { policy, retryable: () => true, sleep })).resolves.toBe('ok');
    expect(f.calls()).toBe(4);
    expect(waits).toEqual([100, 200, 300]);
  });

  it('throws the last failure once maxRetries retries are spent, without waiting after it', async () => {
    const { waits, sleep } = recorder();
    const f = failing(10);
    await expect(withRetry(f.fn, { policy, retryable: () => true, sleep })).rejects.toThrow('fail 4');
    expect(waits).toHaveLength(3);
  });

  it('throws at once what the caller says is not retryable, and never asks about the last try', async () => {
    const { waits, sleep } = recorder();
    const asked: number[] = [];
    const f = failing(10);
    await expect(withRetry(f.fn, { policy: { ...policy, maxRetries: 1 }, retryable: (_e, n) => (asked.push(n), true), sleep })).rejects.toThrow('fail 2');
    expect(asked).toEqual([0]);
    const g = failing(10);
    await expect(withRetry(g.fn, { policy, retryable: () => false, sleep })).rejects.toThrow('fail 1');
    expect(g.calls()).toBe(1);
    expect(waits).toEqual([100]);
  });

  it('waits at least a Retry-After the caller reads, and jitters with the injected random', async () => {
    const { waits, sleep } = recorder();
    await withRetry(failing(2).fn, { policy, retryable: (_e, n) => (n === 0 ? { afterMs: 2_500 } : true), sleep });
    expect(waits).toEqual([2_500, 200]);
    const half = recorder();
    await withRetry(failing(1).fn, { policy: { ...policy, jitter: 0.5 }, retryable: () => true, sleep: half.sleep, random: () => 0 });
    expect(half.waits).toEqual([50]);
  });

  it('tells onRetry the failed try and the wait before each wait', async () => {
    const seen: string[] = [];
    await withRetry(failing(2).fn, {
      policy,
      retryable: () => true,
      sleep: recorder().sleep,
      onRetry: (err, n, ms) => seen.push(`${(err as Error).message}@${n}:${ms}`),
    });
    expect(seen).toEqual(['fail 1@0:100', 'fail 2@1:200']);
  });

  it('an aborted signal stops retrying; an aborted wait throws the last failure or what abortedWait makes of it', async () => {
    const ac = new AbortController();
    ac.abort();
    const f = failing(10);
    await expect(withRetry(f.fn, { policy, retryable: () => true, signal: ac.signal, sleep: recorder().sleep })).rejects.toThrow('fail 1');
    expect(f.calls()).toBe(1);
    const refuse = () => Promise.reject(new Error('aborted'));
    await expect(withRetry(failing(10).fn, { policy, retryable: () => true, sleep: refuse })).rejects.toThrow('fail 1');
    await expect(
      withRetry(failing(10).fn, {
        policy,
        retryable: () => true,
        sleep: refuse,
        abortedWait: (last, cause) => new Error(`${(last as Error).message} / ${(cause as Error).message}`),
      }),
    ).rejects.toThrow('fail 1 / aborted');
  });
});
