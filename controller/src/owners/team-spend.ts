// Each team's month-to-date spend, current hourly rate and most expensive instances (docs/owners.md), for the budget
// check on every cycle and the /metrics gauges by team.
import type { InstanceRecord, Store } from '../store';
import { loadAttributions } from './attributions';
import { monthOf, type TeamSpend } from './budget';
import { spendRatePerHour } from './spend-rate';

export type TeamRow = Omit<TeamSpend, 'monthlyBudget'> & { monthlyBudget: number | null };

/**
 * Month-to-date spend, current rate and most expensive instances of every team: those in the directory and those
 * only markers or join tokens name. `budgetedOnly`: skip the work when no team has a budget (the cycle's check).
 */
export function teamSpends(store: Store, records: readonly InstanceRecord[], now: number, budgetedOnly = true): TeamRow[] {
  const directory = store.directory.listTeams();
  if (budgetedOnly && !directory.some((t) => t.monthlyBudget !== null)) return [];
  const who = loadAttributions(store);
  const members = new Map<string, string[]>();
  const byId = new Map<string, InstanceRecord>();
  for (const r of records) {
    byId.set(r.id, r);
    const t = who.of(r).team;
    if (t !== null) members.set(t, [...(members.get(t) ?? []), r.id]);
  }
  const perInstance = new Map<string, number>();
  for (const row of store.spend.daysSince(`${monthOf(now)}-01`, now)) perInstance.set(row.instanceId, (perInstance.get(row.instanceId) ?? 0) + row.usd);
  const budgets = new Map(directory.map((t) => [t.name, t.monthlyBudget]));
  const names = new Set([...budgets.keys(), ...members.keys()]);
  return [...names].sort().map((name) => {
    const mine = members.get(name) ?? [];
    const usd = mine.map((id) => ({ id, name: byId.get(id)?.name ?? id, usd: perInstance.get(id) ?? 0 })).sort((x, y) => y.usd - x.usd);
    return {
      team: name,
      monthlyBudget: budgets.get(name) ?? null,
      monthToDate: usd.reduce((s, x) => s + x.usd, 0),
      ratePerHour: mine.reduce((s, id) => s + spendRatePerHour(byId.get(id)!), 0),
      top: usd.filter((x) => x.usd > 0).slice(0, 3),
    };
  });
}
