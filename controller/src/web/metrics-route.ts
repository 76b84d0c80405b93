// GET /metrics: Prometheus text format, fleet gauges refreshed from the store at scrape time.
import type { RouteModule } from '../http/app-context';
import type { Metrics } from '../metrics/metrics';
import { ROUTES } from '../http-shared/route-table';

export function metricsRoute(metrics: Metrics): RouteModule {
  return (app) => {
    app.get(ROUTES.metrics.path, async (c) => c.body(await metrics.render(), 200, { 'content-type': metrics.contentType }));
  };
}
