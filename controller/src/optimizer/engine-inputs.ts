// Builds the engine's inputs from what the store knows: instances with their holds, last action and delete warning.
import type { EngineInstance, LastAction } from '../engine';
import type { ActionRecord, InstanceRecord, Store } from '../store';

/** How far back the audit log is read for last actions and warnings, per instance. */
const ACTIONS_PER_INSTANCE = 20;

export function lastActionOf(actions: readonly ActionRecord[]): LastAction | null {
  const a = actions.find((x) => x.kind === 'pause' || x.kind === 'delete');
  return a ? { kind: a.kind as LastAction['kind'], status: a.status, at: a.createdAt } : null;
}

/** The newest delete warning that went out (or would have, in dry-run). The engine ignores one older than the inactive stretch. */
export function deleteWarnedAtOf(actions: readonly ActionRecord[], dryRun: boolean): number | null {
  const w = actions.find((x) => x.kind === 'warn' && (x.status === 'succeeded' || (dryRun && x.status === 'dry-run')));
  return w ? w.createdAt : null;
}

export function toEngineInstance(rec: InstanceRecord, store: Store, now: number, dryRun: boolean): EngineInstance {
  const actions = store.listActions({ instanceId: rec.id, limit: ACTIONS_PER_INSTANCE });
  const hold = store.activeHold(rec.id, now);
  return {
    id: rec.id,
    provider: rec.provider,
    providerId: rec.providerId,
    name: rec.name,
    state: rec.state,
    rawState: rec.rawState,
    gpuName: rec.gpuName,
    numGpus: rec.numGpus,
    pricePerHour: rec.pricePerHour,
    stoppedPricePerHour: rec.stoppedPricePerHour,
    createdAt: rec.createdAt,
    ssh: rec.ssh,
    labels: rec.labels,
    providerUtil: rec.providerUtil,
    holdUntil: hold ? hold.until : null,
    deleteWarnedAt: deleteWarnedAtOf(actions, dryRun),
    lastAction: lastActionOf(actions),
  };
}
