// Cycle step after the inventory: spend accrues at each instance's current rate (owners/spend-rate.ts), then every
// team with a monthly budget is checked against its month-to-date spend (owners/budget.ts). On every cycle, not
// daily, so that a budget blown in minutes is told in minutes. Alerts go to the team's webhook and the global one,
// once per threshold per month (recorded in the store, so restarts and replicas do not repeat them).
import type { Logger } from '../../log';
import type { Notifier } from '../../notify/webhook-notifier';
import { budgetAlerts } from '../../owners/budget';
import { teamSpends } from '../../owners/team-spend';
import { spendRatePerHour } from '../../owners/spend-rate';
import type { InstanceRecord, Store } from '../../store';

export interface SpendDeps {
  store: Store;
  notifier: Notifier;
  logger: Logger;
}

/** Integrates spend up to `now` for the instances of the providers that answered this cycle. */
export function accrueSpend(d: SpendDeps, current: readonly InstanceRecord[], now: number): Map<string, number> {
  const rates = new Map<string, number>();
  for (const r of current) rates.set(r.id, spendRatePerHour(r));
  d.store.transaction(() => d.store.spend.accrue(rates, now));
  return rates;
}

/** Sends each team's newly passed threshold (the most serious one when several pass at once; the rest count as told). */
export function checkBudgets(d: SpendDeps, records: readonly InstanceRecord[], now: number): number {
  let sent = 0;
  for (const s of teamSpends(d.store, records, now)) {
    if (s.monthlyBudget === null) continue;
    const passed = budgetAlerts({ ...s, monthlyBudget: s.monthlyBudget }, now);
    const fresh = passed.filter((a) => d.store.budgetAlerts.claim(a.team, a.month, a.threshold, now));
    const first = fresh[0];
    if (first === undefined) continue;
    d.logger.warn(
      `budget: team ${s.team} passed ${first.threshold === 'forecast' ? 'its forecast' : `${first.threshold} %`} of ${s.monthlyBudget} USD this month`,
    );
    d.notifier.notify(first.text, { team: s.team, email: false });
    sent++;
  }
  return sent;
}
