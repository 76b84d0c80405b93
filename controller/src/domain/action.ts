// The audit log's vocabulary, shared by the store that keeps it and the executor that writes it.
// pause | delete | warn are what the engine decides (and what GET /api/actions lists); warn-pause is the notice that
// goes out before a pause; resume | hold | release are acts of a person (CLI, API, dashboard) or, for resume, the
// optimizer seeing a user start a paused instance again.
export type ActionKind = 'pause' | 'delete' | 'warn' | 'resume' | 'warn-pause' | 'hold' | 'release';
export type ActionStatus = 'planned' | 'succeeded' | 'failed' | 'dry-run' | 'skipped';
/** Who did it: the controller's own loop, or a person through the CLI, the HTTP API or the dashboard. */
export type ActionActor = 'controller' | 'cli' | 'api' | 'dashboard';
export const ACTION_ACTORS: readonly ActionActor[] = ['controller', 'cli', 'api', 'dashboard'];

/** One row of the audit log: the store keeps it, the executor writes it, the views and the savings read it. */
export interface ActionRecord {
  id: number;
  instanceId: string;
  kind: ActionKind;
  status: ActionStatus;
  reason: string;
  figures: Record<string, unknown>;
  /** Unique when set: the executor derives it from the decision so a crash between "decided" and "done" never acts twice. */
  decisionKey: string | null;
  /** Who did it (`controller` for the optimizer's own decisions). */
  actor: ActionActor;
  /**
   * Replicas on PostgreSQL: the epoch of the leader lease under which the row was last planned, so a new leader can
   * tell a call the previous one may still have on the way (executor/previous-leader.ts). Null on a lone controller.
   */
  leaseEpoch: number | null;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
}
