// Money saved so far and a monthly projection, from the audit log and the instances' prices (pure). A pause counts
// while the instance stays paused; a delete counts over a stated, bounded horizon (DELETE_SAVINGS_HORIZON_DAYS,
// docs/savings.md): nobody knows how long a deleted instance would otherwise have run, so it never grows forever.

export interface SavingsAction {
  instanceId: string;
  kind: 'pause' | 'delete';
  /** Epoch ms the action succeeded. */
  at: number;
  /** $/h while running and while stopped, as known when the action was taken. */
  pricePerHour: number | null;
  stoppedPricePerHour: number | null;
  /** State the instance was in when acted on (a delete of a stopped instance saves only its storage). */
  stateBefore: 'running' | 'stopped';
  /** For a pause: when the instance was next seen running (resumed by its user), or null while still paused. */
  endedAt: number | null;
}

export interface Savings {
  /** USD saved so far. */
  totalUsd: number;
  /** USD per hour being saved right now (everything currently paused or deleted). */
  currentRateUsdPerHour: number;
  /** currentRate x 730 h. */
  monthlyProjectionUsd: number;
  pausedHours: number;
  pauses: number;
  deletes: number;
  /** Savings accrued in the last 24 hours and the last 7 days. */
  lastDayUsd: number;
  lastWeekUsd: number;
  /** USD saved so far per provider (the instance id's prefix). */
  byProvider: Record<string, number>;
  /** How many days after a delete its savings count. */
  deleteHorizonDays: number;
}

export interface SavingsOptions {
  /** A delete counts for this long after it; default 30 days. */
  deleteHorizonMs?: number;
}

export const DEFAULT_DELETE_HORIZON_DAYS = 30;
const DAY_MS = 86_400_000;

/** One action's saving as [from, to) at `ratePerHour`, after its end rules (resume, later delete, horizon). */
export interface SavingsInterval {
  action: SavingsAction;
  from: number;
  to: number;
  ratePerHour: number;
}

/** The intervals the actions save over, as of `now`. */
export function savingsIntervals(actions: readonly SavingsAction[], now: number, opts: SavingsOptions = {}): SavingsInterval[] {
  const horizon = opts.deleteHorizonMs ?? DEFAULT_DELETE_HORIZON_DAYS * DAY_MS;
  // A later delete of a paused instance ends that pause's savings window (the delete takes over).
  const deletedAt = new Map<string, number>();
  for (const a of actions) if (a.kind === 'delete') deletedAt.set(a.instanceId, Math.min(a.at, deletedAt.get(a.instanceId) ?? Infinity));
  const out: SavingsInterval[] = [];
  for (const a of actions) {
    if (a.at > now) continue;
    let end: number;
    if (a.kind === 'pause') {
      const del = deletedAt.get(a.instanceId);
      end = Math.min(a.endedAt ?? now, del !== undefined && del >= a.at ? del : now, now);
    } else {
      end = Math.min(now, a.at + horizon, a.endedAt ?? Infinity);
    }
    out.push({ action: a, from: a.at, to: Math.max(a.at, end), ratePerHour: ratePerHour(a) });
  }
  return out;
}

/** USD an interval saved within [from, to). */
export function usdWithin(i: SavingsInterval, from: number, to: number): number {
  const overlap = Math.min(i.to, to) - Math.max(i.from, from);
  return overlap > 0 ? (overlap / 3_600_000) * i.ratePerHour : 0;
}

export function providerOf(instanceId: string): string {
  const colon = instanceId.indexOf(':');
  return colon > 0 ? instanceId.slice(0, colon) : 'unknown';
}

const HOURS_PER_MONTH = 730;

/** Money per hour an action stops paying. Unknown prices count as 0: never overstate savings. */
function ratePerHour(a: SavingsAction): number {
  const run = a.pricePerHour ?? 0;
  const stopped = a.stoppedPricePerHour ?? 0;
  if (a.kind === 'pause') return Math.max(0, run - stopped);
  return a.stateBefore === 'running' ? run : stopped;
}

/** Tenths of a cent: a fleet paused minutes ago has saved cents, and the dashboard should show them move. */
export const roundUsd = (x: number) => Math.round(x * 1000) / 1000;

export function computeSavings(actions: readonly SavingsAction[], now: number, opts: SavingsOptions = {}): Savings {
  const horizon = opts.deleteHorizonMs ?? DEFAULT_DELETE_HORIZON_DAYS * DAY_MS;
  let totalUsd = 0;
  let rate = 0;
  let pausedHours = 0;
  let pauses = 0;
  let deletes = 0;
  let lastDay = 0;
  let lastWeek = 0;
  const byProvider: Record<string, number> = {};
  for (const i of savingsIntervals(actions, now, { deleteHorizonMs: horizon })) {
    if (i.action.kind === 'pause') {
      pauses++;
      pausedHours += (i.to - i.from) / 3_600_000;
    } else deletes++;
    const usd = usdWithin(i, -Infinity, Infinity);
    totalUsd += usd;
    lastDay += usdWithin(i, now - DAY_MS, now);
    lastWeek += usdWithin(i, now - 7 * DAY_MS, now);
    const p = providerOf(i.action.instanceId);
    byProvider[p] = (byProvider[p] ?? 0) + usd;
    // Still saving now: a pause not yet ended, a delete within its horizon.
    if (i.to === now) rate += i.ratePerHour;
  }
  for (const p of Object.keys(byProvider)) byProvider[p] = roundUsd(byProvider[p]!);
  return {
    totalUsd: roundUsd(totalUsd),
    currentRateUsdPerHour: roundUsd(rate),
    monthlyProjectionUsd: roundUsd(rate * HOURS_PER_MONTH),
    pausedHours: Math.round(pausedHours * 10) / 10,
    pauses,
    deletes,
    lastDayUsd: roundUsd(lastDay),
    lastWeekUsd: roundUsd(lastWeek),
    byProvider,
    deleteHorizonDays: horizon / DAY_MS,
  };
}
