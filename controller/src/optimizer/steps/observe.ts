// Cycle step 2, observe: the inventory's state changes go into each instance's idle clock (a start restarts it, a stop
// ends it), and a paused instance seen running again is recorded as resumed by its user.
import type { Logger } from '../../log';
import type { Store } from '../../store';
import type { IdleTracker } from '../idle-tracker';
import type { Inventory } from './inventory';

export interface ObserveDeps {
  idle: Pick<IdleTracker, 'observeInventory'>;
  store: Pick<Store, 'listActions' | 'insertAction'>;
  logger: Logger;
}

export function observeTransitions(d: ObserveDeps, inv: Pick<Inventory, 'records' | 'fresh'>, now: number): void {
  for (const r of inv.records) {
    // Manual instances have no provider to say their state; a failed provider's list says nothing new this cycle.
    if (!inv.fresh.has(r.provider) || r.provider === 'manual') continue;
    const before = d.idle.observeInventory(r, now)?.lastState ?? null;
    if (r.state === 'running' && (before === 'stopped' || before === 'stopping')) recordResume(d, r.id, now);
  }
}

/** A paused instance seen running again: its user resumed it. Recorded so savings stop counting and the log shows it. */
function recordResume(d: ObserveDeps, instanceId: string, now: number): void {
  const last = d.store.listActions({ instanceId, limit: 5 }).find((a) => a.kind === 'pause' || a.kind === 'resume' || a.kind === 'delete');
  if (!last || last.kind !== 'pause' || last.status !== 'succeeded') return;
  d.store.insertAction({ instanceId, kind: 'resume', status: 'succeeded', reason: 'seen running again after our pause; its idle clock starts afresh' }, now);
  d.logger.info(`RESUMED: ${instanceId} is running again (resumed by its user); full pause window before any new pause`);
}
