// GET /healthz (docs/health.md): 503 when the database does not answer or, where the optimizer loop runs, when no
// cycle finished within 3 CHECK_INTERVALs; otherwise 200. The body says when the last cycle finished and when each
// provider's inventory last succeeded, for probes, systemd and a person with curl.
import type { RouteModule } from '../app-context';
import { ROUTES } from '../../http-shared/route-table';

export const healthRoutes: RouteModule = (app, ctx) => {
  app.get(ROUTES.health.path, (c) => {
    if (!ctx.store.healthy()) return c.json({ ok: false, error: 'database unavailable' }, 503);
    const loop = ctx.loopHealth?.();
    if (loop === undefined) return c.json({ ok: true, lastCycleAt: null });
    return c.json(loop, loop.ok ? 200 : 503);
  });
};
