// What every route module gets: the store, the decision view, the live-agent lookup, a clock and a logger.
import type { Hono } from 'hono';
import type { Ingest } from '../ingest';
import type { Logger } from '../log';
import type { Store } from '../store';
import type { DecisionView } from './decision-view';
import type { InstanceOperations } from '../operations/instance-operations';

export interface AppContext {
  store: Store;
  logger: Logger;
  view: DecisionView;
  /** Live agent connections; null when the app runs without ingest (tests, CLI tools). */
  ingest: Pick<Ingest, 'isConnected' | 'connection' | 'connections' | 'stats' | 'contested' | 'markContested'> | null;
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
