// What every route module gets: the store, the decision view, the live-agent lookup, a clock and a logger.
import type { Hono } from 'hono';
import type { Logger } from '../log';
import type { Store } from '../store';
import type { DecisionView } from './decision-view';
import type { InstanceOperations } from '../operations/instance-operations';

/**
 * The live agent connections as the routes use them. The ingest (ingest/ingest-server.ts) provides them; the routes
 * know only this much of it, so http/ never imports ingest/.
 */
export interface LiveAgents {
  isConnected(instanceId: string): boolean;
  /** The instance's live connection; null when it has none. */
  connection(instanceId: string): { remoteAddress: string } | null;
  /** A recent competing agent connection (one voice per instance, docs/security.md); null when none. */
  contested(instanceId: string): object | null;
  /** Marks the instance contested: a second voice claimed it from these addresses. */
  markContested(instanceId: string, addresses: readonly string[], what: string): void;
}

export interface AppContext {
  store: Store;
  logger: Logger;
  view: DecisionView;
  /** Live agent connections; null when the app runs without ingest (tests, CLI tools). */
  ingest: LiveAgents | null;
  now: () => number;
  /** A sample older than this means the instance currently has no metric source. */
  staleAfterMs: number;
  /** The optimizer loop's health for /healthz (docs/health.md); absent when no loop runs in this process. */
  loopHealth?: () => { ok: boolean };
  /** Resume, hold and release (audited and announced). */
  operations: InstanceOperations;
}

/** A feature's routes: one function per file that registers them on the app. */
export type RouteModule = (app: Hono, ctx: AppContext) => void;
