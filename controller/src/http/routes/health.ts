// GET /healthz: 200 while the process serves and the database answers, 503 otherwise (for systemd and probes).
import type { RouteModule } from '../app-context';

export const healthRoutes: RouteModule = (app, ctx) => {
  app.get('/healthz', (c) => (ctx.store.healthy() ? c.json({ ok: true }) : c.json({ ok: false, error: 'database unavailable' }, 503)));
};
