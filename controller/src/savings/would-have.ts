// What DRY_RUN would have done and saved over the last N days (docs/savings.md), from the audit log's dry-run rows:
// the pauses and deletes the engine decided but did not carry out, and the money they would have saved. A would-be
// pause counts until the instance's first later sample that was not idle (at or above PAUSE_THRESHOLD_GPU, or unknown:
// its user would have needed it back then), a would-be delete the same way and at most DELETE_SAVINGS_HORIZON_DAYS.
import { type SavingsAction, providerOf, roundUsd, savingsIntervals, usdWithin } from './savings';
import type { ActionRecord, Store } from '../store';
import { knownUtil } from '../domain/sample';

const DAY_MS = 86_400_000;

export interface WouldHaveItem {
  instanceId: string;
  kind: 'pause' | 'delete';
  at: string;
  reason: string;
  /** USD it would have saved within the window. */
  usd: number;
  /** When the instance was next needed (its first busy or unknown sample after the decision), or null: not since. */
  neededAgainAt: string | null;
}

export interface WouldHave {
  days: number;
  from: string;
  to: string;
  pauses: number;
  deletes: number;
  usd: number;
  byProvider: Record<string, number>;
  deleteHorizonDays: number;
  /** Newest first. */
  items: WouldHaveItem[];
}

export interface WouldHaveOptions {
  days: number;
  /** PAUSE_THRESHOLD_GPU: a sample at or above it means the instance was in use. */
  threshold: number;
  horizonDays: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The first sample after `at` showing the instance in use (busy or unknown), as its start time; null when none. */
function neededAgainAt(store: Store, instanceId: string, at: number, threshold: number): number | null {
  for (const s of store.recentSamples(instanceId, at)) {
    if (s.t0 < at) continue;
    const util = knownUtil(s);
    if (util === null || util >= threshold) return s.t0;
  }
  return null;
}

/** Pure apart from the sample look-ups passed in: dry-run rows -> would-be actions with their end times. */
export function wouldHaveActions(rows: readonly ActionRecord[], needed: (instanceId: string, at: number) => number | null): SavingsAction[] {
  const sorted = rows
    .filter((r) => r.status === 'dry-run' && (r.kind === 'pause' || r.kind === 'delete'))
    .sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
  const out: SavingsAction[] = [];
  /** Per instance and kind: the would-be action still running (not needed again yet), so repeats are not counted twice. */
  const open = new Map<string, SavingsAction>();
  for (const r of sorted) {
    const key = `${r.kind}\n${r.instanceId}`;
    const prev = open.get(key);
    if (prev !== undefined && (prev.endedAt === null || prev.endedAt > r.createdAt)) continue;
    const a: SavingsAction = {
      instanceId: r.instanceId,
      kind: r.kind as 'pause' | 'delete',
      at: r.createdAt,
      pricePerHour: num(r.figures['pricePerHour']),
      stoppedPricePerHour: num(r.figures['stoppedPricePerHour']),
      stateBefore: r.figures['stateBefore'] === 'running' ? 'running' : 'stopped',
      endedAt: needed(r.instanceId, r.createdAt),
    };
    open.set(key, a);
    out.push(a);
  }
  return out;
}

export function computeWouldHave(
  rows: readonly ActionRecord[],
  now: number,
  opts: WouldHaveOptions,
  needed: (instanceId: string, at: number) => number | null,
): WouldHave {
  const from = now - opts.days * DAY_MS;
  const reasons = new Map<string, string>(rows.map((r) => [`${r.kind}\n${r.instanceId}\n${r.createdAt}`, r.reason]));
  const actions = wouldHaveActions(rows, needed);
  const intervals = savingsIntervals(actions, now, { deleteHorizonMs: opts.horizonDays * DAY_MS });
  let usd = 0;
  let pauses = 0;
  let deletes = 0;
  const byProvider: Record<string, number> = {};
  const items: WouldHaveItem[] = [];
  for (const i of intervals) {
    const saved = usdWithin(i, from, now);
    // In the window: decided within it, or still saving in it.
    if (i.action.at < from && saved === 0) continue;
    if (i.action.at >= from) {
      if (i.action.kind === 'pause') pauses++;
      else deletes++;
    }
    usd += saved;
    const p = providerOf(i.action.instanceId);
    byProvider[p] = (byProvider[p] ?? 0) + saved;
    items.push({
      instanceId: i.action.instanceId,
      kind: i.action.kind,
      at: new Date(i.action.at).toISOString(),
      reason: reasons.get(`${i.action.kind}\n${i.action.instanceId}\n${i.action.at}`) ?? '',
      usd: roundUsd(saved),
      neededAgainAt: i.action.endedAt === null ? null : new Date(i.action.endedAt).toISOString(),
    });
  }
  for (const p of Object.keys(byProvider)) byProvider[p] = roundUsd(byProvider[p]!);
  items.reverse();
  return {
    days: opts.days,
    from: new Date(from).toISOString(),
    to: new Date(now).toISOString(),
    pauses,
    deletes,
    usd: roundUsd(usd),
    byProvider,
    deleteHorizonDays: opts.horizonDays,
    items,
  };
}

export interface WouldHaveHelpers {
  /** Since when the instance has been idle without a break (the engine's view), or null: not idle now. */
  idleSince?: (instanceId: string) => number | null;
  /** Ends already found, by `<instance id>@<decision time>`: an end once found never changes, so it is looked up once. */
  memo?: Map<string, number>;
}

export function wouldHaveFromStore(store: Store, now: number, opts: WouldHaveOptions, helpers: WouldHaveHelpers = {}): WouldHave {
  const rows = store.listActions({ limit: 10_000, kinds: ['pause', 'delete'] });
  const memo = helpers.memo ?? new Map<string, number>();
  return computeWouldHave(rows, now, opts, (id, at) => {
    const key = `${id}@${at}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    // Idle without a break since before the decision: not needed again, and no samples need reading to know it.
    const since = helpers.idleSince?.(id) ?? null;
    if (since !== null && since <= at) return null;
    const end = neededAgainAt(store, id, at, opts.threshold);
    if (end !== null) {
      if (memo.size >= 100_000) memo.clear(); // the audit log is read 10,000 rows at a time: this is never reached in use
      memo.set(key, end);
    }
    return end;
  });
}
