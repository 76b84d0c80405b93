// Team budgets (docs/owners.md): a team's monthly budget against its month-to-date spend, alerting at 80 % and
// 100 %, and when the forecast (spend so far + the current hourly rate to the month's end) passes the budget. Once
// per threshold per month (the caller records what was sent). Budgets inform; nothing here pauses anything. Pure.
import { money, safe } from '../notify/messages';

export type BudgetThreshold = '80' | '100' | 'forecast';

export interface TeamSpend {
  team: string;
  monthlyBudget: number;
  /** USD spent this calendar month (UTC) so far. */
  monthToDate: number;
  /** USD per hour its instances cost now. */
  ratePerHour: number;
  /** The most expensive instances this month, most first: id, name, USD this month. */
  top: { id: string; name: string; usd: number }[];
}

export interface BudgetAlert {
  team: string;
  threshold: BudgetThreshold;
  month: string;
  text: string;
}

const HOUR_MS = 3_600_000;

/** YYYY-MM of `now` (UTC). */
export const monthOf = (now: number): string => new Date(now).toISOString().slice(0, 7);

/** The first millisecond of the next UTC month. */
export function monthEnd(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function forecast(s: Pick<TeamSpend, 'monthToDate' | 'ratePerHour'>, now: number): number {
  return s.monthToDate + (s.ratePerHour * (monthEnd(now) - now)) / HOUR_MS;
}

/** The thresholds this team has passed now, highest first (each goes out once a month; the caller filters). */
export function budgetAlerts(s: TeamSpend, now: number): BudgetAlert[] {
  const out: BudgetAlert[] = [];
  const month = monthOf(now);
  const f = forecast(s, now);
  const figures = `${money(s.monthToDate)} spent this month of a ${money(s.monthlyBudget)} budget (${Math.round((100 * s.monthToDate) / s.monthlyBudget)} %); spending ${money(s.ratePerHour)}/h now, forecast ${money(f)} by the month's end.`;
  const top =
    s.top.length === 0
      ? ''
      : ` Most expensive: ${s.top
          .slice(0, 3)
          .map((t) => `*${safe(t.name) || safe(t.id)}* (${safe(t.id)}) ${money(t.usd)}`)
          .join(', ')}.`;
  const line = (icon: string, what: string) =>
    `${icon} Team *${safe(s.team)}* ${what}: ${figures}${top} Budgets inform only: nothing is paused because of one.`;
  if (s.monthToDate >= s.monthlyBudget) out.push({ team: s.team, threshold: '100', month, text: line(':rotating_light:', 'is over its monthly budget') });
  if (s.monthToDate >= 0.8 * s.monthlyBudget)
    out.push({ team: s.team, threshold: '80', month, text: line(':warning:', 'has spent 80 % of its monthly budget') });
  if (f > s.monthlyBudget)
    out.push({ team: s.team, threshold: 'forecast', month, text: line(':chart_with_upwards_trend:', 'is forecast to pass its monthly budget') });
  return out;
}
