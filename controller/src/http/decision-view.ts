// What the HTTP API shows of the engine's view (idle since, protection, next action, savings, explanation).
// The controller plugs in the engine's view (views/engine-view.ts); an app built without one (unit tests of the
// routes) gets the default, which says nothing is known.
import type { InstanceRecord } from '../store/types';

export interface NextAction {
  kind: 'pause' | 'delete' | 'warn' | 'resume';
  /** Epoch ms when it is due (the API shows ISO time). */
  at: number;
  reason: string;
}

export interface InstanceView {
  /** Epoch ms since when the instance counts as idle; null when it does not. */
  idleSince: number | null;
  protected: boolean;
  nextAction: NextAction | null;
  /** When the engine made this decision (epoch ms): the last cycle's time, or now for one decided on request. */
  decidedAt?: number;
  /** The start of the current running episode as the engine counts it (engine/running-since.ts); null when not running. */
  runningSince?: number | null;
}

export interface DecisionView {
  instance(instance: InstanceRecord, now: number): InstanceView;
  /** The same for many instances at once, reading the audit log and holds once (the dashboard at 1,000 instances). */
  instances?(instances: readonly InstanceRecord[], now: number): InstanceView[];
  /** Free-form savings figures for `/api/status`. */
  savings(now: number): Record<string, unknown>;
  /** The engine's explanation for `GET /api/instances/:id` and `explain`; null when none. */
  explain(instance: InstanceRecord, now: number): unknown;
}

export const emptyDecisionView: DecisionView = {
  instance: () => ({ idleSince: null, protected: false, nextAction: null }),
  savings: () => ({}),
  explain: () => null,
};
