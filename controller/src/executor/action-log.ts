// What the executor needs from the audit table: one row per decision, written before and after acting.
import type { ActionKind, ActionStatus } from '../domain/action';

export type { ActionKind, ActionStatus };

export interface ActionRecord {
  id: number;
  decisionKey: string;
  instanceId: string;
  kind: ActionKind;
  status: ActionStatus;
  reason: string;
  figures: Record<string, unknown>;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
}

export interface ActionLog {
  getByDecisionKey(decisionKey: string): ActionRecord | null;
  /** Inserts a `planned` row; the unique decision key makes a second insert for the same decision fail. */
  insertPlanned(a: { decisionKey: string; instanceId: string; kind: ActionKind; reason: string; figures: Record<string, unknown>; now: number }): ActionRecord;
  update(id: number, status: ActionStatus, reason: string, figures: Record<string, unknown>, now: number): void;
}

/** An in-memory ActionLog for unit tests and the library when no store is given. */
export class MemoryActionLog implements ActionLog {
  readonly rows: ActionRecord[] = [];
  getByDecisionKey(key: string): ActionRecord | null {
    return this.rows.find((r) => r.decisionKey === key) ?? null;
  }
  insertPlanned(a: Parameters<ActionLog['insertPlanned']>[0]): ActionRecord {
    if (this.getByDecisionKey(a.decisionKey)) throw new Error(`duplicate decision key ${a.decisionKey}`);
    const row: ActionRecord = { id: this.rows.length + 1, decisionKey: a.decisionKey, instanceId: a.instanceId, kind: a.kind, status: 'planned', reason: a.reason, figures: a.figures, createdAt: a.now, updatedAt: a.now };
    this.rows.push(row);
    return row;
  }
  update(id: number, status: ActionStatus, reason: string, figures: Record<string, unknown>, now: number): void {
    const row = this.rows.find((r) => r.id === id);
    if (!row) throw new Error(`no action ${id}`);
    Object.assign(row, { status, reason, figures, updatedAt: now });
  }
}
