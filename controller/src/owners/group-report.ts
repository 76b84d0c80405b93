// Spend and savings per owner or team (GET /api/report?by=..., `report --by ...`, docs/owners.md): totals per group and
// per day, week (from Monday) or month, UTC. Spend is what the provider charged at its prices; savings are the
// dashboard's (the audit log's pauses and deletes). An instance counts for the group it belongs to now. Pure.
import { type SavingsInterval, usdWithin } from '../savings/savings';
import { splitByDay } from '../store/spend-repo';

export type GroupBy = 'owner' | 'team';
export type Period = 'day' | 'week' | 'month';

export interface GroupReportInput {
  by: GroupBy;
  per: Period;
  since: number;
  now: number;
  /** instance id -> its group (null: none) for every known instance. */
  groupOf: ReadonlyMap<string, string | null>;
  spendDays: readonly { instanceId: string; day: string; usd: number }[];
  savings: readonly SavingsInterval[];
  /** Teams' monthly budgets, for by=team. */
  budgets?: ReadonlyMap<string, number>;
}

export interface GroupRow {
  /** The owner or team; null for the instances of none. */
  name: string | null;
  spendUsd: number;
  savingsUsd: number;
  instances: number;
  monthlyBudget?: number | null;
  periods: { period: string; spendUsd: number; savingsUsd: number }[];
}

export interface GroupReport {
  by: GroupBy;
  per: Period;
  since: string;
  until: string;
  groups: GroupRow[];
  total: { spendUsd: number; savingsUsd: number };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const DAY_MS = 86_400_000;

/** The period a UTC day (YYYY-MM-DD) belongs to: itself, its week's Monday, or YYYY-MM. */
export function periodOf(day: string, per: Period): string {
  if (per === 'day') return day;
  if (per === 'month') return day.slice(0, 7);
  const t = Date.parse(`${day}T00:00:00Z`);
  const monday = t - ((new Date(t).getUTCDay() + 6) % 7) * DAY_MS;
  return new Date(monday).toISOString().slice(0, 10);
}

export function groupReport(i: GroupReportInput): GroupReport {
  const sinceDay = new Date(i.since).toISOString().slice(0, 10);
  const rows = new Map<string | null, { spend: number; savings: number; ids: Set<string>; periods: Map<string, { spend: number; savings: number }> }>();
  const row = (g: string | null) => {
    let r = rows.get(g);
    if (r === undefined) {
      r = { spend: 0, savings: 0, ids: new Set(), periods: new Map() };
      rows.set(g, r);
    }
    return r;
  };
  const add = (id: string, day: string, spend: number, savings: number) => {
    const r = row(i.groupOf.get(id) ?? null);
    r.ids.add(id);
    r.spend += spend;
    r.savings += savings;
    const key = periodOf(day, i.per);
    const p = r.periods.get(key) ?? { spend: 0, savings: 0 };
    p.spend += spend;
    p.savings += savings;
    r.periods.set(key, p);
  };
  for (const s of i.spendDays) if (s.day >= sinceDay) add(s.instanceId, s.day, s.usd, 0);
  const from = Date.parse(`${sinceDay}T00:00:00Z`);
  for (const iv of i.savings) {
    const lo = Math.max(iv.from, from);
    const hi = Math.min(iv.to, i.now);
    if (!(hi > lo) || iv.ratePerHour <= 0) continue;
    for (const [day] of splitByDay(1, lo, hi)) {
      const d0 = Date.parse(`${day}T00:00:00Z`);
      add(iv.action.instanceId, day, 0, usdWithin(iv, Math.max(d0, lo), Math.min(d0 + DAY_MS, hi)));
    }
  }
  // Every group with a member shows, spending or not (a team with nothing running yet is still listed).
  for (const [id, g] of i.groupOf) if (g !== null) row(g).ids.add(id);
  if (i.by === 'team' && i.budgets) for (const t of i.budgets.keys()) row(t);
  const groups: GroupRow[] = [...rows]
    .map(([name, r]) => ({
      name,
      spendUsd: round(r.spend),
      savingsUsd: round(r.savings),
      instances: r.ids.size,
      ...(i.by === 'team' ? { monthlyBudget: name === null ? null : (i.budgets?.get(name) ?? null) } : {}),
      periods: [...r.periods].sort(([a], [b]) => a.localeCompare(b)).map(([period, p]) => ({ period, spendUsd: round(p.spend), savingsUsd: round(p.savings) })),
    }))
    .sort((a, b) => (a.name === null ? 1 : b.name === null ? -1 : b.spendUsd - a.spendUsd || a.name.localeCompare(b.name)));
  return {
    by: i.by,
    per: i.per,
    since: new Date(from).toISOString(),
    until: new Date(i.now).toISOString(),
    groups,
    total: { spendUsd: round(groups.reduce((s, g) => s + g.spendUsd, 0)), savingsUsd: round(groups.reduce((s, g) => s + g.savingsUsd, 0)) },
  };
}
