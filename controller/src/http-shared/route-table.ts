// The one table of the controller's HTTP routes: every route's method, path, who may call it, and how docs/api.md
// names it. The route files register their path from here, the app and the web routes take their auth rules from
// here, the ingest matches its upgrade path here, and route-table.test.ts checks that the app registers exactly these
// routes, that each answers a missing credential as its `auth` says, and that docs/api.md lists each `doc`.
import { ENROL_PATH } from '../../../protocol';

/**
 * Who may call a route:
 * - `admin`: the admin token (Bearer, or Basic with it as password), checked by http/admin-auth.ts on `/api/*`;
 * - `browser`: the same token, but a missing one gets a Basic login prompt (web/browser-auth.ts);
 * - `agent`: an agent token on the WebSocket upgrade, checked by the ingest;
 * - `join`: a join token in the enrol request, checked by enrol/;
 * - `public`: anyone (health, the installer and the files it fetches).
 */
export type RouteAuth = 'admin' | 'browser' | 'agent' | 'join' | 'public';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** As registered with Hono (`{...}` narrows a parameter). */
  path: string;
  auth: RouteAuth;
  /** How docs/api.md's route table names it (a backticked span in its first column; several routes may share one). */
  doc: string;
}

/** The path patterns each auth middleware guards; every route of that `auth` lies under one, and no other route does. */
export const AUTH_PATTERNS = {
  admin: ['/api/*'],
  browser: ['/', '/metrics', '/ui/*'],
} as const satisfies Partial<Record<RouteAuth, readonly string[]>>;

const INSTANCE = '/api/instances/:id{.+}';

export const ROUTES = {
  health: { method: 'GET', path: '/healthz', auth: 'public', doc: 'GET /healthz' },
  agent: { method: 'GET', path: '/agent', auth: 'agent', doc: 'GET /agent' },
  enrol: { method: 'POST', path: ENROL_PATH, auth: 'join', doc: 'POST /agent/enrol' },

  status: { method: 'GET', path: '/api/status', auth: 'admin', doc: 'GET /api/status' },
  instance: { method: 'GET', path: INSTANCE, auth: 'admin', doc: 'GET /api/instances/:id' },
  hold: { method: 'POST', path: `${INSTANCE}/hold`, auth: 'admin', doc: 'POST /api/instances/:id/hold' },
  release: { method: 'DELETE', path: `${INSTANCE}/hold`, auth: 'admin', doc: 'DELETE /api/instances/:id/hold' },
  resume: { method: 'POST', path: `${INSTANCE}/resume`, auth: 'admin', doc: 'POST /api/instances/:id/resume' },
  actions: { method: 'GET', path: '/api/actions', auth: 'admin', doc: 'GET /api/actions' },
  createToken: { method: 'POST', path: '/api/tokens', auth: 'admin', doc: 'POST /api/tokens' },
  revokeTokens: { method: 'DELETE', path: '/api/tokens/:instanceId', auth: 'admin', doc: 'DELETE /api/tokens/:instanceId' },
  joinTokens: { method: 'GET', path: '/api/join-tokens', auth: 'admin', doc: 'GET /api/join-tokens' },
  revokeJoinToken: { method: 'DELETE', path: '/api/join-tokens/:id', auth: 'admin', doc: 'DELETE /api/join-tokens/:id' },
  owners: { method: 'GET', path: '/api/owners', auth: 'admin', doc: 'GET /api/owners' },
  owner: { method: 'GET', path: '/api/owners/:name', auth: 'admin', doc: 'GET/PUT/DELETE /api/owners/:name' },
  putOwner: { method: 'PUT', path: '/api/owners/:name', auth: 'admin', doc: 'GET/PUT/DELETE /api/owners/:name' },
  deleteOwner: { method: 'DELETE', path: '/api/owners/:name', auth: 'admin', doc: 'GET/PUT/DELETE /api/owners/:name' },
  teams: { method: 'GET', path: '/api/teams', auth: 'admin', doc: 'GET /api/teams' },
  team: { method: 'GET', path: '/api/teams/:name', auth: 'admin', doc: 'GET/PUT/DELETE /api/teams/:name' },
  putTeam: { method: 'PUT', path: '/api/teams/:name', auth: 'admin', doc: 'GET/PUT/DELETE /api/teams/:name' },
  deleteTeam: { method: 'DELETE', path: '/api/teams/:name', auth: 'admin', doc: 'GET/PUT/DELETE /api/teams/:name' },
  report: { method: 'GET', path: '/api/report', auth: 'admin', doc: 'GET /api/report' },

  dashboard: { method: 'GET', path: '/', auth: 'browser', doc: 'GET /' },
  dashboardScript: { method: 'GET', path: '/ui/dashboard.js', auth: 'browser', doc: 'GET /ui/dashboard.js' },
  dashboardAct: { method: 'POST', path: '/ui/instances/:id{.+}/:act{resume|hold|release}', auth: 'browser', doc: 'POST /ui/instances/:id/:act' },
  metrics: { method: 'GET', path: '/metrics', auth: 'browser', doc: 'GET /metrics' },

  installScript: { method: 'GET', path: '/install.sh', auth: 'public', doc: 'GET /install.sh' },
  agentBundle: { method: 'GET', path: '/agent.js', auth: 'public', doc: 'GET /agent.js' },
  agentBundleSum: { method: 'GET', path: '/agent.js.sha256', auth: 'public', doc: 'GET /agent.js.sha256' },
  runtimeInfo: { method: 'GET', path: '/runtime/info', auth: 'public', doc: 'GET /runtime/info' },
  runtimeNodeSum: { method: 'GET', path: '/runtime/node.sha256', auth: 'public', doc: 'GET /runtime/node.sha256' },
  runtimeNode: { method: 'GET', path: '/runtime/node', auth: 'public', doc: 'GET /runtime/node' },
  runtimeNodeGz: { method: 'GET', path: '/runtime/node.gz', auth: 'public', doc: 'GET /runtime/node.gz' },
} as const satisfies Record<string, RouteSpec>;

/** The path of the agent's WebSocket upgrade (the ingest takes it; Hono only answers a plain GET there). */
export const AGENT_PATH = ROUTES.agent.path;
