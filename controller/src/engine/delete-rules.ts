// The delete conditions (docs/architecture.md, "Decision rules") and the warning that must come DELETE_WARNING_HOURS before.
//
// Delete when ALL hold: running or stopped (a known, settled state); not protected, no hold; older than
// MIN_INSTANCE_AGE_HOURS: by createdAt, or, when the provider gives none (TensorDock v2), by the controller's first
// sighting, a lower bound of the age kept across restarts in the idle state (never seen: never deleted); inactive (idle while running, or stopped/paused) for more
// than DELETE_THRESHOLD_HOURS; a warning was sent during this inactive stretch at least DELETE_WARNING_HOURS ago; no
// action under way; the provider can delete. The warning is due once inactive for more than
// DELETE_THRESHOLD_HOURS - DELETE_WARNING_HOURS. Activity in between moves the inactive clock past the warning, which
// then no longer counts: no delete without a fresh warning.
import type { Facts } from './facts';
import { dur, hours } from '../../../protocol/duration-text';
import { iso } from './format';
import { ageText } from './pause-rules';

export const DELETE_RULES = ['state', 'protection', 'hold', 'age-known', 'age', 'inactive', 'warned', 'in-flight', 'capability'] as const;
export type DeleteRule = (typeof DELETE_RULES)[number];

export function deleteOk(rule: DeleteRule, f: Facts): boolean {
  switch (rule) {
    case 'state':
      return f.inst.state === 'running' || f.inst.state === 'stopped';
    case 'protection':
      return !f.protections.some((p) => p.by !== 'hold');
    case 'hold':
      return !f.protections.some((p) => p.by === 'hold');
    case 'age-known':
      return f.ageLowerMs !== null;
    case 'age':
      return f.ageLowerMs !== null && f.ageLowerMs > f.t.minAgeMs;
    case 'inactive':
      return f.inactiveSince !== null && f.now - f.inactiveSince > f.t.deleteMs;
    case 'warned':
      return f.warnedAt !== null && f.now - f.warnedAt >= f.t.warnLeadMs;
    case 'in-flight':
      return f.blockedAll === null;
    case 'capability':
      return f.canDelete;
  }
}

export function deleteDetail(rule: DeleteRule, f: Facts): string {
  const { inst, cfg, now } = f;
  switch (rule) {
    case 'state':
      return `state ${inst.state}${deleteOk('state', f) ? '' : ': only a running or stopped instance is deleted'}`;
    case 'protection': {
      const perm = f.protections.filter((p) => p.by !== 'hold');
      return perm.length === 0 ? 'not protected' : `protected: ${perm.map((p) => p.detail).join('; ')}`;
    }
    case 'hold':
      return f.protections.find((p) => p.by === 'hold')?.detail ?? 'no hold';
    case 'age-known':
      if (f.ageMs !== null) return 'creation time known';
      return f.ageLowerMs !== null
        ? `provider gives no creation time: first seen ${iso(f.firstSeen)} is a lower bound of the age`
        : 'creation time unknown and never seen by this controller: not deleted';
    case 'age':
      return `${ageText(f)} (minimum ${hours(cfg.minInstanceAgeHours)})`;
    case 'inactive':
      return f.inactiveSince === null
        ? 'active (or not idle for sure)'
        : `inactive since ${iso(f.inactiveSince)} (${dur(now - f.inactiveSince)}; threshold ${hours(cfg.deleteThresholdHours)})`;
    case 'warned':
      return f.warnedAt === null
        ? `no delete warning sent during this inactive stretch (must come ${hours(cfg.deleteWarningHours)} before)`
        : `warned at ${iso(f.warnedAt)} (${dur(now - f.warnedAt)} ago; at least ${hours(cfg.deleteWarningHours)})`;
    case 'in-flight':
      return f.blockedAll ?? 'no action under way';
    case 'capability':
      if (f.canDelete) return 'the provider can delete';
      return f.policy?.noDelete ? `pause only, never deleted (${f.policy.noDeleteFrom})` : `${inst.provider} cannot delete instances`;
  }
}

export interface DeleteEval {
  /** Every condition holds: delete now. */
  deleteNow: boolean;
  /** Every condition but the inactivity length and the warning holds, no valid warning yet, and it is due: warn now. */
  warnNow: boolean;
  /** The first condition other than `inactive`/`warned` that fails (what keeps a stopped instance), or null. */
  blocking: DeleteRule | null;
  /** When the warning is due / the delete could come if the instance stays inactive; null when it never will as is. */
  warnAt: number | null;
  deleteAt: number | null;
}

export function deleteEval(f: Facts): DeleteEval {
  const { t, now } = f;
  let blocking: DeleteRule | null = null;
  for (const r of DELETE_RULES) {
    if (r === 'inactive' || r === 'warned') continue;
    if (!deleteOk(r, f)) {
      blocking = r;
      break;
    }
  }
  const deleteNow = blocking === null && deleteOk('inactive', f) && deleteOk('warned', f);
  const since = f.inactiveSince;
  const warnDue = since !== null && now - since > t.deleteMs - t.warnLeadMs;
  const warnNow = !deleteNow && blocking === null && f.warnedAt === null && warnDue;

  let warnAt: number | null = null;
  let deleteAt: number | null = null;
  const permanent = f.protections.some((p) => p.by !== 'hold');
  if (since !== null && f.ageLowerMs !== null && deleteOk('state', f) && f.canDelete && !permanent) {
    const ageReady = f.ageReadyAt ?? now;
    warnAt = f.warnedAt === null ? Math.max(since + t.deleteMs - t.warnLeadMs + 1, ageReady) : null;
    deleteAt = Math.max(since + t.deleteMs + 1, (f.warnedAt ?? warnAt ?? now) + t.warnLeadMs, ageReady + 1);
  }
  return { deleteNow, warnNow, blocking, warnAt, deleteAt };
}
