// Cycle step 6, execute: the planned actions go to the executor (audit row first, re-check, act, verify, notify);
// each one done is counted and told to the idle clock at once.
import type { Executor, ActionOutcome, PlannedAction } from '../../executor/executor';
import type { Metrics } from '../../metrics/metrics';
import type { IdleTracker } from '../idle-tracker';

export interface ExecuteDeps {
  executor: Pick<Executor, 'execute'>;
  idle: Pick<IdleTracker, 'observeInventory'>;
  now: () => number;
  metrics?: Pick<Metrics, 'actions'>;
}

export async function executePlan(d: ExecuteDeps, planned: readonly PlannedAction[]): Promise<ActionOutcome[]> {
  const actions = await d.executor.execute(planned);
  for (const a of actions) {
    d.metrics?.actions.inc({ kind: a.kind, status: a.status });
    // Tell the idle clock at once: a user who resumes before the next inventory must still get restart grace.
    if (a.status === 'succeeded' && (a.kind === 'pause' || a.kind === 'delete')) {
      d.idle.observeInventory({ id: a.instanceId, state: a.kind === 'pause' ? 'stopped' : 'deleted' }, d.now());
    }
  }
  return actions;
}
