import { describe, expect, it } from 'vitest';
import { groupReport, periodOf } from './group-report';

const NOW = Date.parse('2026-11-12T12:00:00Z');

describe('group report', () => {
  it('sums spend and savings per group and per period; instances of no group come last', () => {
    const r = groupReport({
      by: 'team',
      per: 'week',
      since: Date.parse('2026-11-01T00:00:00Z'),
      now: NOW,
      groupOf: new Map([
        ['vast:1', 'vision'],
        ['vast:2', null],
        ['vast:3', 'nlp'],
      ]),
      spendDays: [
        { instanceId: 'vast:1', day: '2026-11-02', usd: 10 },
        { instanceId: 'vast:1', day: '2026-11-10', usd: 5 },
        { instanceId: 'vast:2', day: '2026-11-10', usd: 1 },
        { instanceId: 'vast:1', day: '2026-10-30', usd: 99 },
      ],
      savings: [
        {
          action: { instanceId: 'vast:1', kind: 'pause', at: 0, pricePerHour: 1, stoppedPricePerHour: 0, stateBefore: 'running', endedAt: null },
          from: Date.parse('2026-11-12T00:00:00Z'),
          to: NOW,
          ratePerHour: 1,
        },
      ],
      budgets: new Map([['vision', 100]]),
    });
    expect(r.groups.map((g) => [g.name, g.spendUsd, g.savingsUsd, g.instances, g.monthlyBudget])).toEqual([
      ['vision', 15, 12, 1, 100],
      ['nlp', 0, 0, 1, null],
      [null, 1, 0, 1, null],
    ]);
    expect(r.groups[0]!.periods).toEqual([
      { period: '2026-11-02', spendUsd: 10, savingsUsd: 0 },
      { period: '2026-11-09', spendUsd: 5, savingsUsd: 12 },
    ]);
    expect(r.total).toEqual({ spendUsd: 16, savingsUsd: 12 });
  });

  it('weeks start on Monday', () => {
    expect(periodOf('2026-11-15', 'week')).toBe('2026-11-09');
    expect(periodOf('2026-11-09', 'week')).toBe('2026-11-09');
    expect(periodOf('2026-11-09', 'month')).toBe('2026-11');
  });
});
