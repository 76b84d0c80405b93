import { describe, expect, it } from 'vitest';
import { budgetAlerts, forecast, monthEnd } from './budget';

const NOW = Date.parse('2026-12-05T04:00:00Z');
const base = { team: 'vision', monthlyBudget: 100, top: [{ id: 'vast:1', name: 'h200', usd: 50 }] };

describe('budgets', () => {
  it('forecasts spend so far plus the current rate to the month end', () => {
    expect(monthEnd(NOW)).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(forecast({ monthToDate: 10, ratePerHour: 1 }, NOW)).toBeCloseTo(10 + 26 * 24 + 20);
  });

  it('passes 80 %, 100 % and the forecast, naming the team, the figures and the most expensive instances', () => {
    expect(budgetAlerts({ ...base, monthToDate: 10, ratePerHour: 0 }, NOW)).toEqual([]);
    expect(budgetAlerts({ ...base, monthToDate: 10, ratePerHour: 1 }, NOW).map((a) => a.threshold)).toEqual(['forecast']);
    expect(budgetAlerts({ ...base, monthToDate: 85, ratePerHour: 0 }, NOW).map((a) => a.threshold)).toEqual(['80']);
    const over = budgetAlerts({ ...base, monthToDate: 120, ratePerHour: 2 }, NOW);
    expect(over.map((a) => a.threshold)).toEqual(['100', '80', 'forecast']);
    expect(over[0]!.text).toContain('*vision*');
    expect(over[0]!.text).toContain('$120.00 spent this month of a $100.00 budget');
    expect(over[0]!.text).toContain('*h200* (vast:1) $50.00');
    expect(over[0]!.month).toBe('2026-12');
  });
});
