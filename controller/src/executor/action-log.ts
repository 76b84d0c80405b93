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
