// Money saved so far and a monthly projection, from the audit log and the instances' prices (pure).

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
}

const HOURS_PER_MONTH = 730;

/** Money per hour an action stops paying. Unknown prices count as 0: never overstate savings. */
function ratePerHour(a: SavingsAction): number {
  const run = a.pricePerHour ?? 0;
  const stopped = a.stoppedPricePerHour ?? 0;
  if (a.kind === 'pause') return Math.max(0, run - stopped);
  return a.stateBefore === 'running' ? run : stopped;
}

export function computeSavings(actions: readonly SavingsAction[], now: number): Savings {
  let totalUsd = 0;
  let rate = 0;
  let pausedHours = 0;
  let pauses = 0;
  let deletes = 0;
  // A later delete of a paused instance ends that pause's savings window (the delete takes over).
  const deletedAt = new Map<string, number>();
  for (const a of actions) if (a.kind === 'delete') deletedAt.set(a.instanceId, Math.min(a.at, deletedAt.get(a.instanceId) ?? Infinity));
  for (const a of actions) {
    if (a.at > now) continue;
    const r = ratePerHour(a);
    let end = now;
    if (a.kind === 'pause') {
      pauses++;
      const del = deletedAt.get(a.instanceId);
      end = Math.min(a.endedAt ?? now, del !== undefined && del >= a.at ? del : now);
      pausedHours += Math.max(0, end - a.at) / 3_600_000;
    } else deletes++;
    const hours = Math.max(0, end - a.at) / 3_600_000;
    totalUsd += hours * r;
    if (end === now) rate += r;
  }
  // Tenths of a cent: a fleet paused minutes ago has saved cents, and the dashboard should show them move.
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    totalUsd: round(totalUsd),
    currentRateUsdPerHour: round(rate),
    monthlyProjectionUsd: round(rate * HOURS_PER_MONTH),
    pausedHours: Math.round(pausedHours * 10) / 10,
    pauses,
    deletes,
  };
}
