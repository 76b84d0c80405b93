// GET /api/actions: the audit log, newest first. ?instance=<id>, ?limit=1..1000 (default 100), ?before=<id> to page.
// Kinds are docs/api.md's pause | delete | warn; the `resume` rows the optimizer records when a user resumes a
// paused instance show on the dashboard's audit log, not here, so clients of this route see only what it lists.
import type { RouteModule } from '../app-context';
import { iso } from '../instance-json';
import { ROUTES } from '../../http-shared/route-table';

function positiveInt(raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined;
  return /^\d{1,15}$/.test(raw) && Number(raw) > 0 ? Number(raw) : null;
}

const API_KINDS = ['pause', 'delete', 'warn'] as const;

export const actionRoutes: RouteModule = (app, ctx) => {
  app.get(ROUTES.actions.path, (c) => {
    const limit = positiveInt(c.req.query('limit'));
    const before = positiveInt(c.req.query('before'));
    if (limit === null || (limit !== undefined && limit > 1000)) return c.json({ error: 'limit must be a whole number from 1 to 1000' }, 400);
    if (before === null) return c.json({ error: 'before must be a positive action id' }, 400);
    const instanceId = c.req.query('instance');
    const list = ctx.store.listActions({ instanceId, beforeId: before, limit: limit ?? 100, kinds: API_KINDS });
    return c.json(
      list.map((a) => ({
        id: a.id,
        instanceId: a.instanceId,
        kind: a.kind,
        status: a.status,
        reason: a.reason,
        at: iso(a.createdAt),
        updatedAt: iso(a.updatedAt),
        figures: a.figures,
      })),
    );
  });
};
