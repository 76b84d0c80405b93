// What the executor needs from the audit table: one row per decision, written before and after acting.
import type { ActionKind, ActionRecord, ActionStatus } from '../domain/action';

export type { ActionKind, ActionRecord, ActionStatus };

export interface ActionLog {
  getByDecisionKey(decisionKey: string): ActionRecord | null;
  /** Inserts a `planned` row; the unique decision key makes a second insert for the same decision fail. */
  insertPlanned(a: { decisionKey: string; instanceId: string; kind: ActionKind; reason: string; figures: Record<string, unknown>; now: number }): ActionRecord;
  update(id: number, status: ActionStatus, reason: string, figures: Record<string, unknown>, now: number): void;
}
