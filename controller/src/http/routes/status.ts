// GET /api/status: every instance with its newest sample and the engine's view, plus savings.
import type { RouteModule } from '../app-context';
import { statusInstanceJson } from '../instance-json';
import { loadAttributions } from '../../owners/attributions';
import { ROUTES } from '../../http-shared/route-table';

export const statusRoutes: RouteModule = (app, ctx) => {
  app.get(ROUTES.status.path, (c) => {
    const now = ctx.now();
    const who = loadAttributions(ctx.store);
    const instances = ctx.store
      .listInstances()
      .map((i) => statusInstanceJson(i, ctx.store.lastSample(i.id), ctx.view.instance(i, now), now, ctx.staleAfterMs, who.of(i)));
    return c.json({ instances, savings: ctx.view.savings(now) });
  });
};
