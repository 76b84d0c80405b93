import { describe, expect, it } from 'vitest';
import type { ActionRecord } from '../store';
import { computeSavings } from './savings';
import { savingsActions } from './store-savings';

const H = 3_600_000;
let id = 0;
const row = (kind: ActionRecord['kind'], at: number, status: ActionRecord['status'] = 'succeeded', stateBefore = 'running'): ActionRecord => ({
  id: ++id,
  instanceId: 'vast:1',
  kind,
  status,
  reason: '',
  figures: { pricePerHour: 1, stoppedPricePerHour: 0.1, stateBefore },
  decisionKey: null,
  actor: 'controller',
  leaseEpoch: null,
  createdAt: at,
  updatedAt: at,
});

describe('savingsActions', () => {
  it('ends a pause at the next resume and ignores dry-runs and failures', () => {
    const acts = savingsActions([row('resume', 3 * H), row('pause', 1 * H), row('pause', 5 * H, 'dry-run'), row('pause', 6 * H, 'failed')]);
    expect(acts).toEqual([expect.objectContaining({ kind: 'pause', at: H, endedAt: 3 * H })]);
    expect(computeSavings(acts, 10 * H).totalUsd).toBe(1.8);
  });

  it('counts a delete after a pause from its own time', () => {
    const acts = savingsActions([row('pause', 0), row('delete', 2 * H, 'succeeded', 'stopped')]);
    expect(acts.map((a) => [a.kind, a.stateBefore])).toEqual([
      ['pause', 'running'],
      ['delete', 'stopped'],
    ]);
  });
});
