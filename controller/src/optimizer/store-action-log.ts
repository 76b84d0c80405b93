// Adapts the SQLite store's actions table to the executor's ActionLog.
import type { ActionLog, ActionRecord as ExecRecord, ActionStatus } from '../executor/action-log';
import type { Store } from '../store';
import type { ActionRecord } from '../store';

function toExec(r: ActionRecord): ExecRecord {
  return { ...r, decisionKey: r.decisionKey ?? '' };
}

export class StoreActionLog implements ActionLog {
  constructor(private readonly store: Store) {}

  getByDecisionKey(key: string): ExecRecord | null {
    const r = this.store.getActionByDecisionKey(key);
    return r ? toExec(r) : null;
  }

  insertPlanned(a: Parameters<ActionLog['insertPlanned']>[0]): ExecRecord {
    const { record, created } = this.store.insertAction(
      { instanceId: a.instanceId, kind: a.kind, status: 'planned', reason: a.reason, figures: a.figures, decisionKey: a.decisionKey },
      a.now,
    );
    // The unique key already held a row: another actor (or a crash remnant) owns this decision.
    if (!created) throw new Error(`decision ${a.decisionKey} is already recorded (action ${record.id})`);
    return toExec(record);
  }

  update(id: number, status: ActionStatus, reason: string, figures: Record<string, unknown>, now: number): void {
    if (this.store.updateAction(id, { status, reason, figures }, now) === null) throw new Error(`action ${id} vanished from the audit log`);
  }
}
