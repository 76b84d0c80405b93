// POST /api/tokens {instanceId, expiresAt?} -> {instanceId, token, expiresAt}: mints an agent token bound to one
// instance (shown once). DELETE /api/tokens/:instanceId revokes its tokens; the ingest closes a live connection
// with one within seconds.
// POST /api/tokens {join: true, expiresInHours?} -> {id, token, expiresAt}: a fleet join token (docs/enrolment.md).
import { z } from 'zod';
import { instanceIdProblem } from '../../store/instance-id';
import type { RouteModule } from '../app-context';
import { readJsonBody } from '../json-body';
import { ROUTES } from '../../http-shared/route-table';

const TokenBody = z
  .object({
    instanceId: z
      .string()
      .max(300)
      .superRefine((id, ctx) => {
        const problem = instanceIdProblem(id);
        if (problem !== null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
      }),
    /** ISO 8601 time after which the token is refused (and a connection using it closed). */
    expiresAt: z.string().datetime({ offset: true }).optional(),
  })
  .strict();

const JoinBody = z
  .object({
    join: z.literal(true),
    /** Hours until it stops working; absent: until revoked. */
    expiresInHours: z
      .number()
      .positive()
      .max(24 * 365 * 10)
      .optional(),
    /** The team of the instances it enrols (docs/owners.md). */
    team: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a team name is 1-63 letters, digits, ".", "_" or "-"')
      .optional(),
  })
  .strict();

export const tokenRoutes: RouteModule = (app, ctx) => {
  app.post(ROUTES.createToken.path, async (c) => {
    // A body naming `join` is a join-token request; Hono caches the body, so readJsonBody reads it again below.
    const peek: unknown = await c.req.json().catch(() => null);
    if (peek !== null && typeof peek === 'object' && 'join' in peek) {
      const join = await readJsonBody(c, JoinBody);
      if (!join.ok) return join.response;
      const now = ctx.now();
      const hours = join.value.expiresInHours;
      const expiresAt = hours === undefined ? null : Math.round(now + hours * 3_600_000);
      const { id, token } = ctx.store.createJoinToken(now, expiresAt, join.value.team ?? null);
      ctx.logger.info(`fleet join token ${id} created${expiresAt === null ? '' : `, expires ${new Date(expiresAt).toISOString()}`}`);
      return c.json({ id, token, expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() }, 201);
    }
    const body = await readJsonBody(c, TokenBody);
    if (!body.ok) return body.response;
    const now = ctx.now();
    const expiresAt = body.value.expiresAt === undefined ? null : Date.parse(body.value.expiresAt);
    if (expiresAt !== null && expiresAt <= now) return c.json({ error: 'invalid body: expiresAt: must lie in the future' }, 400);
    const token = ctx.store.createToken(body.value.instanceId, now, expiresAt);
    ctx.logger.info(`agent token created for ${body.value.instanceId}${expiresAt === null ? '' : `, expiring ${new Date(expiresAt).toISOString()}`}`);
    return c.json({ instanceId: body.value.instanceId, token, expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() }, 201);
  });

  app.delete(ROUTES.revokeTokens.path, (c) => {
    const instanceId = c.req.param('instanceId');
    const problem = instanceIdProblem(instanceId);
    if (problem !== null) return c.json({ error: `invalid instance id: ${problem}` }, 400);
    const revoked = ctx.store.revokeTokens(instanceId, ctx.now());
    ctx.logger.info(`revoked ${revoked} agent token(s) of ${instanceId}`);
    return c.json({ instanceId, revoked });
  });
};
