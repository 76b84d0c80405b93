// GET /api/join-tokens (ids, creation, expiry, revocation; never the tokens) and DELETE /api/join-tokens/:id (revoke).
// Minting is POST /api/tokens {"join": true} (tokens.ts). Revoking stops new enrolments only: agents that enrolled
// keep their own tokens (revoke those with DELETE /api/tokens/... or `cost-optimizer token revoke`).
import { JOIN_TOKEN_ID_SHAPE } from '../../store';
import type { RouteModule } from '../app-context';
import { ROUTES } from '../../http-shared/route-table';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const joinTokenRoutes: RouteModule = (app, ctx) => {
  app.get(ROUTES.joinTokens.path, (c) =>
    c.json({
      joinTokens: ctx.store.listJoinTokens().map((t) => ({ id: t.id, createdAt: iso(t.createdAt), expiresAt: iso(t.expiresAt), revokedAt: iso(t.revokedAt) })),
    }),
  );
  app.delete(ROUTES.revokeJoinToken.path, (c) => {
    const id = c.req.param('id');
    if (!JOIN_TOKEN_ID_SHAPE.test(id)) return c.json({ error: 'a join token id is 12 hex digits (see GET /api/join-tokens)' }, 400);
    const result = ctx.store.revokeJoinToken(id, ctx.now());
    if (result === 'unknown') return c.json({ error: `no join token ${id}` }, 404);
    if (result === 'revoked') ctx.logger.info(`fleet join token ${id} revoked`);
    return c.json({ id, revoked: true, already: result === 'already' });
  });
};
