// Adapts the store's actions table (SQLite or PostgreSQL) to the executor's ActionLog.
import type { ActionLog, ActionRecord, ActionStatus } from '../executor/action-log';
import type { Store } from '../store';

export class StoreActionLog implements ActionLog {
  constructor(private readonly store: Store) {}

  getByDecisionKey(key: string): ActionRecord | null {
    return this.store.getActionByDecisionKey(key);
  }

  insertPlanned(a: Parameters<ActionLog['insertPlanned']>[0]): ActionRecord {
    const { record, created } = this.store.insertAction(
      { instanceId: a.instanceId, kind: a.kind, status: 'planned', reason: a.reason, figures: a.figures, decisionKey: a.decisionKey, leaseEpoch: a.leaseEpoch },
      a.now,
    );
    // The unique key already held a row: another actor (or a crash remnant) owns this decision.
    if (!created) throw new Error(`decision ${a.decisionKey} is already recorded (action ${record.id})`);
    return record;
  }

  update(id: number, status: ActionStatus, reason: string, figures: Record<string, unknown>, now: number, leaseEpoch?: number): boolean {
    if (leaseEpoch !== undefined) return this.store.updateAction(id, { status, reason, figures, ifEpoch: leaseEpoch }, now) !== null;
    if (this.store.updateAction(id, { status, reason, figures }, now) === null) throw new Error(`action ${id} vanished from the audit log`);
    return true;
  }

  claim(id: number, from: number | null, to: number): boolean {
    return this.store.claimAction(id, from, to);
  }
}
