// The controller's HTTP API as a Hono app. createApp validates its options once; routes live one feature per file
// in routes/ and more can be registered on the returned app (or through `routes`) by whoever wires the server.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import { type Logger, silentLogger } from '../log';
import type { Store } from '../store';
import { adminAuth } from './admin-auth';
import { AUTH_PATTERNS } from '../http-shared/route-table';
import type { AppContext, RouteModule } from './app-context';
import { requestGuard, type RequestGuardOptions } from './request-guard';
import { type DecisionView, emptyDecisionView } from './decision-view';
import { actionRoutes } from './routes/actions';
import { agentEndpointRoutes } from './routes/agent-endpoint';
import { healthRoutes } from './routes/health';
import { instanceRoutes } from './routes/instances';
import { joinTokenRoutes } from './routes/join-tokens';
import { directoryRoutes } from './routes/directory';
import { reportRoutes } from './routes/report';
import { statusRoutes } from './routes/status';
import { tokenRoutes } from './routes/tokens';
import { InstanceOperations } from '../operations/instance-operations';

export interface AppDeps {
  store: Store;
  /** When set, every /api/* route needs `Authorization: Bearer <adminToken>` (or Basic with it as password). The server
   * always sets one (ADMIN_TOKEN or DATA_DIR/admin-token); null is for embedding the app in tests without auth. */
  adminToken: string | null;
  /** Host, Origin and JSON checks (request-guard.ts); the server always sets them. */
  guard?: RequestGuardOptions;
  logger?: Logger;
  decisionView?: DecisionView;
  /** The ingest's live agent connections (anything of that shape: the ingest, or a test's stand-in). */
  ingest?: AppContext['ingest'];
  /** Default 3 minutes. */
  staleAfterMs?: number;
  /** Largest accepted request body; default 64 KiB. */
  maxBodyBytes?: number;
  now?: () => number;
  /** Extra route modules, registered after the built-in ones (dashboard, /metrics, /install.sh...). */
  routes?: RouteModule[];
  loopHealth?: AppContext['loopHealth'];
  /** Resume/hold/release; default: holds only (no providers to resume through, no notifications). */
  operations?: InstanceOperations;
}

export function createApp(deps: AppDeps): Hono {
  if (!deps.store) throw new Error('createApp: store is required');
  if (deps.adminToken !== null && (typeof deps.adminToken !== 'string' || deps.adminToken.length < 16)) {
    throw new Error('createApp: adminToken must be null or at least 16 characters');
  }
  const maxBodyBytes = deps.maxBodyBytes ?? 64 * 1024;
  const staleAfterMs = deps.staleAfterMs ?? 180_000;
  if (!(maxBodyBytes > 0) || !(staleAfterMs > 0)) throw new Error('createApp: maxBodyBytes and staleAfterMs must be > 0');
  const logger = deps.logger ?? silentLogger;
  const ctx: AppContext = {
    store: deps.store,
    logger,
    view: deps.decisionView ?? emptyDecisionView,
    ingest: deps.ingest ?? null,
    now: deps.now ?? Date.now,
    staleAfterMs,
    loopHealth: deps.loopHealth,
    operations: deps.operations ?? new InstanceOperations({ store: deps.store, logger, now: deps.now ?? Date.now }),
  };

  const app = new Hono();
  app.onError((err, c) => {
    // Never send the error itself: messages can carry paths or provider details; the log has them (secrets scrubbed).
    logger.error(`${c.req.method} ${c.req.path} failed`, err);
    return c.json({ error: 'internal error' }, 500);
  });
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  // Security headers on every answer; the dashboard is the page they matter for. Inline <style> is the page's own;
  // a script must carry the per-response nonce (c.get('secureHeadersNonce')) or come from this origin. See docs/auth.md.
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'", NONCE],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
      xFrameOptions: 'DENY',
      referrerPolicy: 'no-referrer',
    }),
  );
  if (deps.guard) app.use('*', requestGuard(deps.guard));
  if (deps.adminToken !== null) for (const p of AUTH_PATTERNS.admin) app.use(p, adminAuth(deps.adminToken));
  app.use('*', bodyLimit({ maxSize: maxBodyBytes, onError: (c) => c.json({ error: `body larger than ${maxBodyBytes} bytes` }, 413) }));

  for (const register of [
    healthRoutes,
    agentEndpointRoutes,
    statusRoutes,
    instanceRoutes,
    actionRoutes,
    tokenRoutes,
    joinTokenRoutes,
    directoryRoutes,
    reportRoutes,
    ...(deps.routes ?? []),
  ]) {
    register(app, ctx);
  }
  return app;
}
