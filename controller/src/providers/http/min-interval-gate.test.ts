import { describe, expect, it } from 'vitest';
import { MinIntervalGate } from './min-interval-gate';

function fakeClock(start = 10_000) {
  const c = { t: start, sleeps: [] as number[] };
  const sleep = async (ms: number) => {
    c.sleeps.push(ms);
    c.t += ms;
  };
  return { c, now: () => c.t, sleep };
}

describe('MinIntervalGate', () => {
  it('spaces calls of one endpoint by its interval, with a fake clock', async () => {
    const { c, now, sleep } = fakeClock();
    const gate = new MinIntervalGate({ list: 1000, destroy: 3000 }, now, sleep);
    await Promise.all([gate.wait('list'), gate.wait('list'), gate.wait('list')]);
    expect(c.sleeps).toEqual([1000, 1000]);
    c.sleeps.length = 0;
    await gate.wait('destroy');
    await gate.wait('destroy');
    await gate.wait('show'); // no interval configured
    expect(c.sleeps).toEqual([3000]);
  });

  it('sleeps again when a timer wakes it early, so no two calls are ever closer than the interval', async () => {
    const c = { t: 0, sleeps: [] as number[] };
    // A timer that fires 1 ms early, as Node's can by the wall clock (a 1 ms one still advances the clock).
    const early = async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms > 1 ? ms - 1 : ms;
    };
    const gate = new MinIntervalGate({ show: 60 }, () => c.t, early);
    const let_through: number[] = [];
    for (let i = 0; i < 3; i++) {
      await gate.wait('show');
      let_through.push(c.t);
    }
    expect(let_through[1]! - let_through[0]!).toBeGreaterThanOrEqual(60);
    expect(let_through[2]! - let_through[1]!).toBeGreaterThanOrEqual(60);
    expect(c.sleeps).toEqual([60, 1, 60, 1]);
  });

  it('does not wait once the interval has passed', async () => {
    const { c, now, sleep } = fakeClock(0);
    const gate = new MinIntervalGate({ put: 1000 }, now, sleep);
    await gate.wait('put');
    c.t = 1500;
    await gate.wait('put');
    c.t = 1700;
    await gate.wait('put');
    expect(c.sleeps).toEqual([800]);
  });

  it('lets real concurrent calls through at least the interval apart', async () => {
    const gate = new MinIntervalGate({ show: 40 });
    const starts: number[] = [];
    await Promise.all(
      [0, 1, 2].map(async () => {
        await gate.wait('show');
        starts.push(Date.now());
      }),
    );
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(39);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(39);
  });

  it('an aborted waiter gives up without blocking the ones behind it', async () => {
    const { now, sleep } = fakeClock();
    const gate = new MinIntervalGate({ list: 1000 }, now, sleep);
    await gate.wait('list');
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(gate.wait('list', ac.signal)).rejects.toThrow('stop');
    await gate.wait('list');
  });
});
