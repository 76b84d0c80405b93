// The routes a running controller adds to the API: browser login on the pages, the dashboard and its buttons,
// /metrics and the agent install routes.
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { Config } from '../config/config';
import { instancePolicy, policyLines } from '../engine';
import type { RouteModule } from '../http/app-context';
import { installRoutes } from '../http/install-routes';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import { browserAuth } from './browser-auth';
import { AUTH_PATTERNS } from '../http-shared/route-table';
import { CsrfTokens, dashboardActionRoutes } from '../dashboard/dashboard-actions';
import { dashboardRoute } from '../dashboard/dashboard-route';
import { metricsRoute } from './metrics-route';

export function webRoutes(d: { config: Config; logger: Logger; metrics: Metrics; refreshSeconds?: number }): RouteModule[] {
  const { config } = d;
  const csrf = new CsrfTokens();
  const install = installRoutes({
    publicUrl: config.publicUrl,
    trustProxy: config.trustProxy,
    runtime: { cacheDir: join(config.dataDir, 'runtime-cache') },
    logger: d.logger,
  });
  return [
    (app: Hono) => {
      for (const p of AUTH_PATTERNS.browser) app.use(p, browserAuth(config.adminToken));
    },
    dashboardRoute({
      threshold: config.pauseThresholdGpu,
      dryRun: config.dryRun,
      refreshSeconds: d.refreshSeconds,
      csrf,
      policyLines: (r) => policyLines(instancePolicy(r, config.pauseWindowMinutes)),
    }),
    dashboardActionRoutes({ csrf, trustProxy: config.trustProxy }),
    metricsRoute(d.metrics),
    (app: Hono) => {
      app.route('/', install);
    },
  ];
}
