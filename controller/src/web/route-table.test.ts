// The route table (http-shared/route-table.ts) is the one list of routes: the assembled app registers exactly its
// routes, each answers a request without a credential as its `auth` says, and docs/api.md's route table names each.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempStore } from '../../../test/helpers/temp-store';
import { parseConfig } from '../config/config';
import { enrolRoutes } from '../enrol/enrol-route';
import { AUTH_PATTERNS, ROUTES, type RouteSpec } from '../http-shared/route-table';
import { createApp } from '../http/app';
import { silentLogger } from '../log';
import { Metrics } from '../metrics/metrics';
import { webRoutes } from './web-routes';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ADMIN = 'admin-token-0123456789abcdef';
const table: readonly RouteSpec[] = Object.values(ROUTES);

const t = useTempStore();

/** The app as `serve` assembles it (start-controller.ts): the API, the enrol route and the web routes. */
function servedApp() {
  const config = parseConfig({ DATA_DIR: t.dir, ADMIN_TOKEN: ADMIN });
  const metrics = new Metrics(() => ({ instances: [], savings: null }) as never);
  return createApp({
    store: t.store,
    adminToken: ADMIN,
    logger: silentLogger,
    routes: [enrolRoutes({ trustProxy: false }), ...webRoutes({ config, logger: silentLogger, metrics })],
  });
}

/** Hono's pattern matching, enough for the table: `*` at the end matches the rest, nothing else is a wildcard. */
function under(path: string, pattern: string): boolean {
  return pattern.endsWith('/*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern;
}

/** A concrete URL for a route's path pattern: each parameter filled with a plausible value. */
function sample(path: string): string {
  return path.replace(/:act\{[^}]*\}/, 'hold').replace(/:(\w+)(\{[^}]*\})?/g, (_m, name: string) => (name === 'id' ? 'vast:1' : 'x'));
}

describe('the route table', () => {
  it('is exactly what the served app registers', () => {
    const registered = servedApp()
      .routes.filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path}`);
    expect([...registered].sort()).toEqual(table.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('puts every admin and browser route under its auth pattern, and no other route there', () => {
    for (const r of table) {
      for (const kind of ['admin', 'browser'] as const) {
        expect(
          AUTH_PATTERNS[kind].some((p) => under(r.path, p)),
          `${r.method} ${r.path}`,
        ).toBe(r.auth === kind);
      }
    }
  });

  // Public routes are left out: they are under no auth pattern (above), and the runtime routes hash the Node binary.
  it('refuses an admin or browser route without a credential, each with its own challenge', async () => {
    const app = servedApp();
    for (const r of table) {
      if (r.auth !== 'admin' && r.auth !== 'browser') continue;
      const res = await app.request(sample(r.path), { method: r.method });
      const what = `${r.method} ${r.path}`;
      expect(res.status, what).toBe(401);
      expect(res.headers.get('www-authenticate'), what).toMatch(r.auth === 'admin' ? /^Bearer$/ : /^Basic /);
    }
  });

  it("is what docs/api.md's route table lists", () => {
    const doc = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## HTTP routes'), doc.indexOf('\n## ', doc.indexOf('## HTTP routes') + 1));
    const named = new Set<string>();
    for (const line of section.split('\n')) {
      if (!line.startsWith('| `')) continue;
      const first = line.split(' | ')[0]!;
      for (const m of first.matchAll(/`([^`]+)`/g)) named.add(m[1]!.replace(/\?.*$/, ''));
    }
    expect([...named].sort()).toEqual([...new Set(table.map((r) => r.doc))].sort());
  });
});
