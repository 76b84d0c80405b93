// The dry-run report's arithmetic: a would-be pause counts until the instance is next in use, repeats of one are not
// counted twice, a would-be delete counts at most the horizon, and only what falls in the window is summed.
import { describe, expect, it } from 'vitest';
import type { ActionRecord } from '../store';
import { computeWouldHave } from './would-have';

const H = 3_600_000;
const NOW = 100 * 24 * H;
let id = 0;
const row = (over: Partial<ActionRecord>): ActionRecord => ({
  id: ++id,
  instanceId: 'vast:1',
  kind: 'pause',
  status: 'dry-run',
  reason: 'idle for 30 min',
  figures: { pricePerHour: 1.1, stoppedPricePerHour: 0.1, stateBefore: 'running' },
  decisionKey: null,
  actor: 'controller',
  leaseEpoch: null,
  createdAt: NOW - 10 * H,
  updatedAt: NOW - 10 * H,
  ...over,
});

describe('computeWouldHave', () => {
  it('counts a would-be pause until the instance is next in use, once', () => {
    const rows = [row({}), row({ createdAt: NOW - 9 * H }), row({ status: 'succeeded', instanceId: 'vast:2' })];
    const w = computeWouldHave(rows, NOW, { days: 7, threshold: 10, horizonDays: 30 }, (_id, at) => (at === NOW - 10 * H ? NOW - 4 * H : null));
    expect(w.pauses).toBe(1);
    expect(w.usd).toBe(6);
    expect(w.items).toEqual([
      {
        instanceId: 'vast:1',
        kind: 'pause',
        at: new Date(NOW - 10 * H).toISOString(),
        reason: 'idle for 30 min',
        usd: 6,
        neededAgainAt: new Date(NOW - 4 * H).toISOString(),
      },
    ]);
  });

  it('a new would-be pause after the instance was in use again counts afresh; a delete counts within the horizon', () => {
    const rows = [
      row({ createdAt: NOW - 10 * H }),
      row({ createdAt: NOW - 3 * H }),
      row({ instanceId: 'gcp:z/a', kind: 'delete', createdAt: NOW - 72 * H, figures: { pricePerHour: 2, stateBefore: 'running' } }),
    ];
    const w = computeWouldHave(rows, NOW, { days: 1, threshold: 10, horizonDays: 2 }, (_id, at) => (at === NOW - 10 * H ? NOW - 5 * H : null));
    // Window: the last 24 h. Pause 1: 5 h x $1; pause 2: 3 h x $1; the delete: its horizon ended 24 h ago: nothing.
    expect(w.usd).toBe(8);
    expect(w.pauses).toBe(2);
    expect(w.deletes).toBe(0);
    expect(w.byProvider).toEqual({ vast: 8 });
    const wide = computeWouldHave(rows, NOW, { days: 7, threshold: 10, horizonDays: 2 }, () => null);
    expect(wide.deletes).toBe(1);
    expect(wide.byProvider['gcp']).toBe(96);
  });
});
