// At the first cycle after a start: audit rows left `planned` by a controller that died mid-action are settled with the
// provider's word (done: `succeeded`; not done: `failed`, so a later cycle may decide afresh). Never acts; a provider
// that cannot answer leaves the row for the next start.
import { callVerdict } from '../domain/action-effect';
import type { ProviderName } from '../domain/instance';
import { errorMessage, type Logger } from '../log';
import type { Provider } from '../providers/provider';
import type { Store } from '../store';

export interface InterruptedDeps {
  store: Pick<Store, 'actionsWithStatus' | 'getInstance' | 'updateAction'>;
  providers: ReadonlyMap<ProviderName, Provider>;
  logger: Logger;
}

export async function settleInterruptedActions(d: InterruptedDeps, now: number): Promise<void> {
  const planned = d.store.actionsWithStatus('planned').filter((a) => a.kind === 'pause' || a.kind === 'delete');
  for (const a of planned) {
    const rec = d.store.getInstance(a.instanceId);
    const provider = rec ? d.providers.get(rec.provider) : undefined;
    if (!rec || !provider) continue;
    try {
      const fresh = await provider.get(rec.providerId);
      const state = fresh === null ? 'gone' : fresh.state;
      const done = callVerdict(a.kind as 'pause' | 'delete', state) === 'done';
      d.store.updateAction(
        a.id,
        done
          ? { status: 'succeeded', reason: `${a.reason} (verified after a restart: ${state})` }
          : { status: 'failed', reason: `interrupted by a controller restart; the instance is ${state}` },
        now,
      );
      d.logger.warn(
        `audit: ${a.kind} of ${a.instanceId} was interrupted by a restart; the provider says ${state}: recorded as ${done ? 'succeeded' : 'failed'}`,
      );
    } catch (err) {
      d.logger.warn(`audit: cannot settle the interrupted ${a.kind} of ${a.instanceId} yet: ${errorMessage(err)}`);
    }
  }
}
