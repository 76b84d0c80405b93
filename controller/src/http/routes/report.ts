// GET /api/report?by=owner|team[&since=ISO][&per=day|week|month]: spend and savings per owner or team (docs/owners.md).
import { groupReportFromStore, parseGroupQuery } from '../../owners/group-report-view';
import type { RouteModule } from '../app-context';
import { ROUTES } from '../../http-shared/route-table';

export const reportRoutes: RouteModule = (app, ctx) => {
  app.get(ROUTES.report.path, (c) => {
    const now = ctx.now();
    const q = parseGroupQuery(c.req.query('by'), c.req.query('per'), c.req.query('since'), now);
    if (typeof q === 'string') return c.json({ error: q }, 400);
    return c.json(groupReportFromStore(ctx.store, q, now));
  });
};
