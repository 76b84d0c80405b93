// Audit rows left `planned` with no call of this process carrying them: a controller that died mid-action, or (with
// replicas) a previous leader's. They are settled with the provider's word (done: `succeeded`; not done: `failed`, so
// a later cycle may decide afresh). Never acts. A previous leader's row is left alone while its call may still be on
// its way, then claimed for this leader's epoch (executor/previous-leader.ts); a row left, or one the provider cannot
// answer for yet, is looked at again next cycle.
import { callVerdict } from '../domain/action-effect';
import type { ProviderName } from '../domain/instance';
import { type LeaseView, takeOver } from '../executor/previous-leader';
import { errorMessage, type Logger } from '../log';
import type { Provider } from '../providers/provider';
import type { Store } from '../store';

export interface InterruptedDeps {
  store: Pick<Store, 'actionsWithStatus' | 'getInstance' | 'updateAction' | 'claimAction'>;
  providers: ReadonlyMap<ProviderName, Provider>;
  logger: Logger;
  /** Replicas on PostgreSQL: the leader lease this process holds (absent on a lone controller). */
  lease?: () => LeaseView;
  /** How long a previous leader's call may still run after its fence (default: a 30 s provider timeout's). */
  previousCallMs?: number;
}

/** Settles what it can; returns how many `planned` pauses and deletes it left for a later cycle. */
export async function settleInterruptedActions(d: InterruptedDeps, now: number): Promise<number> {
  const planned = d.store.actionsWithStatus('planned').filter((a) => a.kind === 'pause' || a.kind === 'delete');
  let left = 0;
  for (const a of planned) {
    const rec = d.store.getInstance(a.instanceId);
    const provider = rec ? d.providers.get(rec.provider) : undefined;
    if (!rec || !provider) {
      left++;
      continue;
    }
    const lease = d.lease?.() ?? null;
    const refused = takeOver(a, lease, d.previousCallMs, (id, from, to) => d.store.claimAction(id, from, to));
    if (refused !== null) {
      if (refused.wait) left++;
      continue;
    }
    try {
      const fresh = await provider.get(rec.providerId);
      const state = fresh === null ? 'gone' : fresh.state;
      const done = callVerdict(a.kind as 'pause' | 'delete', state) === 'done';
      const [by, after] = lease === null ? ['a controller restart', 'a restart'] : ['a change of leader', 'a change of leader'];
      const settled = d.store.updateAction(
        a.id,
        {
          ...(done
            ? { status: 'succeeded' as const, reason: `${a.reason} (verified after ${after}: ${state})` }
            : { status: 'failed' as const, reason: `interrupted by ${by}; the instance is ${state}` }),
          // Replicas: written only while the row is still this leader's (a newer one may have claimed it since).
          ...(lease?.epoch != null ? { ifEpoch: lease.epoch } : {}),
        },
        now,
      );
      if (settled === null) continue;
      d.logger.warn(`audit: ${a.kind} of ${a.instanceId} was interrupted by ${by}; the provider says ${state}: recorded as ${done ? 'succeeded' : 'failed'}`);
    } catch (err) {
      left++;
      d.logger.warn(`audit: cannot settle the interrupted ${a.kind} of ${a.instanceId} yet: ${errorMessage(err)}`);
    }
  }
  return left;
}
