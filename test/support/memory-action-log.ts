// Test support: the executor's audit log kept in memory, so executor tests need no SQLite file.
import type { ActionLog, ActionRecord, ActionStatus } from '../../controller/src/executor/action-log';

/** An in-memory ActionLog for unit tests of the executor. */
export class MemoryActionLog implements ActionLog {
  readonly rows: ActionRecord[] = [];
  getByDecisionKey(key: string): ActionRecord | null {
    return this.rows.find((r) => r.decisionKey === key) ?? null;
  }
  insertPlanned(a: Parameters<ActionLog['insertPlanned']>[0]): ActionRecord {
    if (this.getByDecisionKey(a.decisionKey)) throw new Error(`duplicate decision key ${a.decisionKey}`);
    const row: ActionRecord = {
      id: this.rows.length + 1,
      decisionKey: a.decisionKey,
      instanceId: a.instanceId,
      kind: a.kind,
      status: 'planned',
      reason: a.reason,
      figures: a.figures,
      actor: 'controller',
      leaseEpoch: a.leaseEpoch,
      createdAt: a.now,
      updatedAt: a.now,
    };
    this.rows.push(row);
    return row;
  }
  update(id: number, status: ActionStatus, reason: string, figures: Record<string, unknown>, now: number, leaseEpoch?: number): boolean {
    const row = this.rows.find((r) => r.id === id);
    if (!row) throw new Error(`no action ${id}`);
    if (leaseEpoch !== undefined && row.leaseEpoch !== leaseEpoch) return false;
    Object.assign(row, { status, reason, figures, updatedAt: now });
    return true;
  }
  claim(id: number, from: number | null, to: number): boolean {
    const row = this.rows.find((r) => r.id === id);
    if (!row || (row.status !== 'planned' && row.status !== 'failed') || row.leaseEpoch !== from) return false;
    if (from !== null && from >= to) return false;
    row.leaseEpoch = to;
    return true;
  }
}
