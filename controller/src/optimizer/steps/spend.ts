// Cycle step after the inventory: spend accrues at each instance's current rate (owners/spend-rate.ts), then every
// team with a monthly budget is checked against its month-to-date spend (owners/budget.ts). On every cycle, not
// daily, so that a budget blown in minutes is told in minutes. Alerts go to the team's webhook and the global one,
// once per threshold per month (recorded in the store, so restarts and replicas do not repeat them).
import type { Logger } from '../../log';
import type { Notifier } from '../../notify/webhook-notifier';
import { loadAttributions } from '../../owners/attributions';
import { budgetAlerts, monthOf, type TeamSpend } from '../../owners/budget';
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

/** Month-to-date spend, current rate and most expensive instances of every team with a budget. */
export function teamSpends(store: Store, records: readonly InstanceRecord[], now: number): TeamSpend[] {
  const budgets = store.directory.listTeams().filter((t) => t.monthlyBudget !== null);
  if (budgets.length === 0) return [];
  const who = loadAttributions(store);
  const teamOf = new Map<string, string>();
  const byId = new Map<string, InstanceRecord>();
  for (const r of records) {
    byId.set(r.id, r);
    const t = who.of(r).team;
    if (t !== null) teamOf.set(r.id, t);
  }
  const perInstance = new Map<string, number>();
  for (const row of store.spend.daysSince(`${monthOf(now)}-01`, now)) perInstance.set(row.instanceId, (perInstance.get(row.instanceId) ?? 0) + row.usd);
  return budgets.map((b) => {
    const mine = [...teamOf].filter(([, t]) => t === b.name).map(([id]) => id);
    const usd = mine.map((id) => ({ id, name: byId.get(id)?.name ?? id, usd: perInstance.get(id) ?? 0 })).sort((x, y) => y.usd - x.usd);
    return {
      team: b.name,
      monthlyBudget: b.monthlyBudget!,
      monthToDate: usd.reduce((s, x) => s + x.usd, 0),
      ratePerHour: mine.reduce((s, id) => s + spendRatePerHour(byId.get(id)!), 0),
      top: usd.filter((x) => x.usd > 0).slice(0, 3),
    };
  });
}

/** Sends each team's newly passed threshold (the most serious one when several pass at once; the rest count as told). */
export function checkBudgets(d: SpendDeps, records: readonly InstanceRecord[], now: number): number {
  let sent = 0;
  for (const s of teamSpends(d.store, records, now)) {
    const passed = budgetAlerts(s, now);
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
