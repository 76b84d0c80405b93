// The group report from the store: attributions, spend days and the savings intervals of the audit log, for the API
// route and the CLI (which reads the store directly, as `report` always has).
import { savingsActions } from '../savings/store-savings';
import { savingsIntervals } from '../savings/savings';
import type { Store } from '../store';
import { loadAttributions } from './attributions';
import { type GroupBy, groupReport, type GroupReport, type Period } from './group-report';

export interface GroupReportQuery {
  by: GroupBy;
  per: Period;
  /** Epoch ms; default 30 days before now. */
  since: number | null;
  horizonDays?: number;
}

/** Parses by/per/since as the API and the CLI take them; an error line when they are not. */
export function parseGroupQuery(by: string | undefined, per: string | undefined, since: string | undefined, now: number): GroupReportQuery | string {
  if (by !== 'owner' && by !== 'team') return 'by must be owner or team';
  if (per !== undefined && per !== 'day' && per !== 'week' && per !== 'month') return 'per must be day, week or month';
  let s: number | null = null;
  if (since !== undefined && since !== '') {
    s = /^\d{4}-\d{2}-\d{2}$/.test(since) ? Date.parse(`${since}T00:00:00Z`) : Date.parse(since);
    if (!Number.isFinite(s) || s > now) return 'since must be a date or ISO time in the past (2026-11-01 or 2026-11-01T00:00:00Z)';
  }
  return { by, per: per ?? 'day', since: s };
}

export function groupReportFromStore(store: Store, q: GroupReportQuery, now: number): GroupReport {
  const since = q.since ?? now - 30 * 86_400_000;
  const who = loadAttributions(store);
  const groupOf = new Map<string, string | null>();
  for (const r of store.listInstances()) {
    const a = who.of(r);
    groupOf.set(r.id, q.by === 'owner' ? a.owner : a.team);
  }
  const budgets = new Map<string, number>();
  for (const t of store.directory.listTeams()) if (t.monthlyBudget !== null) budgets.set(t.name, t.monthlyBudget);
  const horizon = q.horizonDays === undefined ? {} : { deleteHorizonMs: q.horizonDays * 86_400_000 };
  return groupReport({
    by: q.by,
    per: q.per,
    since,
    now,
    groupOf,
    spendDays: store.spend.daysSince(new Date(since).toISOString().slice(0, 10), now),
    savings: savingsIntervals(savingsActions(store.allSucceededActions(['pause', 'resume', 'delete'])), now, horizon),
    budgets,
  });
}
