import { describe, expect, it } from 'vitest';
import { computeSavings, type SavingsAction } from './savings';

const H = 3_600_000;
const pause = (over: Partial<SavingsAction> = {}): SavingsAction => ({
  instanceId: 'vast:1',
  kind: 'pause',
  at: 0,
  pricePerHour: 1,
  stoppedPricePerHour: 0.1,
  stateBefore: 'running',
  endedAt: null,
  ...over,
});

describe('computeSavings', () => {
  it('counts paused hours x (running - stopped price) and projects the current rate', () => {
    const s = computeSavings([pause()], 10 * H);
    expect(s.totalUsd).toBe(9);
    expect(s.currentRateUsdPerHour).toBe(0.9);
    expect(s.monthlyProjectionUsd).toBe(657);
    expect(s.pausedHours).toBe(10);
  });

  it('stops counting when the user resumed the instance', () => {
    const s = computeSavings([pause({ endedAt: 2 * H })], 10 * H);
    expect(s.totalUsd).toBe(1.8);
    expect(s.currentRateUsdPerHour).toBe(0);
  });

  it('a delete after our pause saves the storage from then on, the pause window ends', () => {
    const s = computeSavings([pause(), { ...pause({ kind: 'delete', at: 4 * H, stateBefore: 'stopped' }) }], 10 * H);
    expect(s.totalUsd).toBeCloseTo(4 * 0.9 + 6 * 0.1, 5);
    expect(s.currentRateUsdPerHour).toBe(0.1);
    expect(s.deletes).toBe(1);
  });

  it('never counts unknown prices', () => {
    expect(computeSavings([pause({ pricePerHour: null })], 10 * H).totalUsd).toBe(0);
  });

  it('counts a delete over the stated horizon only, then no longer projects it', () => {
    const del = pause({ kind: 'delete', pricePerHour: 2, stateBefore: 'running' });
    const within = computeSavings([del], 10 * H, { deleteHorizonMs: 24 * H });
    expect(within.totalUsd).toBe(20);
    expect(within.currentRateUsdPerHour).toBe(2);
    const after = computeSavings([del], 1000 * H, { deleteHorizonMs: 24 * H });
    expect(after.totalUsd).toBe(48);
    expect(after.currentRateUsdPerHour).toBe(0);
    expect(after.deleteHorizonDays).toBe(1);
    // The default horizon is 30 days.
    expect(computeSavings([del], 10_000 * H).totalUsd).toBe(30 * 24 * 2);
  });

  it('splits the savings by day, week and provider', () => {
    const now = 30 * 24 * H;
    const s = computeSavings(
      [pause({ at: now - 48 * H }), pause({ instanceId: 'gcp:us-east1-b/a', at: now - 10 * H, pricePerHour: 3, stoppedPricePerHour: 1 })],
      now,
    );
    expect(s.lastDayUsd).toBeCloseTo(24 * 0.9 + 10 * 2, 5);
    expect(s.lastWeekUsd).toBeCloseTo(48 * 0.9 + 10 * 2, 5);
    expect(s.byProvider).toEqual({ vast: 43.2, gcp: 20 });
  });
});
