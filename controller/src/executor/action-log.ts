// What the executor needs from the audit table: one row per decision, written before and after acting.
import type { ActionKind, ActionRecord, ActionStatus } from '../domain/action';

export type { ActionKind, ActionRecord, ActionStatus };

export interface ActionLog {
  getByDecisionKey(decisionKey: string): ActionRecord | null;
  /** Inserts a `planned` row; the unique decision key makes a second insert for the same decision fail. */
  insertPlanned(a: {
    decisionKey: string;
    instanceId: string;
    kind: ActionKind;
    reason: string;
    figures: Record<string, unknown>;
    now: number;
    /** The leader lease's epoch it is planned under; null on a lone controller. */
    leaseEpoch: number | null;
  }): ActionRecord;
  /**
   * With `leaseEpoch`, only while the row is that epoch's (false, nothing written, when a newer leader has taken it).
   * Without, unconditional (a lone controller).
   */
  update(id: number, status: ActionStatus, reason: string, figures: Record<string, unknown>, now: number, leaseEpoch?: number): boolean;
  /** Takes over a `planned` or `failed` row from epoch `from` (as read) to the newer `to`; false when it cannot. */
  claim(id: number, from: number | null, to: number): boolean;
}
