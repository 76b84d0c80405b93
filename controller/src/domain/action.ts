// The audit log's vocabulary, shared by the store that keeps it and the executor that writes it.
// pause | delete | warn are what the engine decides (and what GET /api/actions lists); warn-pause is the notice that
// goes out before a pause; resume | hold | release are acts of a person (CLI, API, dashboard) or, for resume, the
// optimizer seeing a user start a paused instance again.
export type ActionKind = 'pause' | 'delete' | 'warn' | 'resume' | 'warn-pause' | 'hold' | 'release';
export type ActionStatus = 'planned' | 'succeeded' | 'failed' | 'dry-run' | 'skipped';
/** Who did it: the controller's own loop, or a person through the CLI, the HTTP API or the dashboard. */
export type ActionActor = 'controller' | 'cli' | 'api' | 'dashboard';
export const ACTION_ACTORS: readonly ActionActor[] = ['controller', 'cli', 'api', 'dashboard'];
