import { describe, expect, it } from 'vitest';
import type { ActionRecord } from '../store';
import { digestDue, digestText } from './digest';

const NOW = Date.parse('2026-12-03T08:00:00Z');
let id = 0;
const row = (kind: ActionRecord['kind'], status: ActionRecord['status'], instanceId = 'vast:1'): ActionRecord => ({
  id: ++id,
  instanceId,
  kind,
  status,
  reason: '',
  figures: {},
  decisionKey: null,
  actor: 'controller',
  leaseEpoch: null,
  createdAt: NOW - 3_600_000,
  updatedAt: NOW - 3_600_000,
});

describe('daily digest', () => {
  it("counts the day's actions and acts, lists failures, gives the savings and the dashboard link", () => {
    const t = digestText(
      [
        row('pause', 'succeeded'),
        row('pause', 'succeeded', 'vast:2'),
        row('warn-pause', 'succeeded'),
        { ...row('warn-pause', 'succeeded'), figures: { calledOffAt: NOW - 3_000_000, idleMs: 1_500_000 } },
        row('resume', 'succeeded'),
        row('delete', 'failed', 'gcp:z/<x>'),
      ],
      {
        totalUsd: 12.5,
        currentRateUsdPerHour: 0.9,
        monthlyProjectionUsd: 657,
        pausedHours: 10,
        pauses: 2,
        deletes: 0,
        lastDayUsd: 12.5,
        lastWeekUsd: 12.5,
        byProvider: { vast: 12.5 },
        deleteHorizonDays: 30,
      },
      NOW,
      'https://co.example.com',
    );
    expect(t).toContain('2 paused, 2 pause warnings (1 called off), 1 resumed');
    expect(t).toContain('Saved so far $12.50; saving $0.900/h now ($657.00 a month at this rate)');
    expect(t).toContain('Failed: delete of gcp:z/&lt;x&gt;');
    expect(t).toContain('<https://co.example.com/|Dashboard>');
  });

  it('is due once in the configured UTC hour', () => {
    expect(digestDue(8, NOW, null)).toBe(true);
    expect(digestDue(8, NOW, '2026-12-03')).toBe(false);
    expect(digestDue(9, NOW, null)).toBe(false);
  });
});
