// POST /api/tokens {instanceId} -> {instanceId, token}: mints an agent token bound to one instance (shown once).
// POST /api/tokens {join: true, expiresInHours?} -> {id, token, expiresAt}: a fleet join token (docs/enrolment.md).
import { z } from 'zod';
import { instanceIdProblem } from '../../store/instance-id';
import type { RouteModule } from '../app-context';
import { readJsonBody } from '../json-body';

const TokenBody = z
  .object({
    instanceId: z
      .string()
      .max(300)
      .superRefine((id, ctx) => {
        const problem = instanceIdProblem(id);
        if (problem !== null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
      }),
  })
  .strict();

const JoinBody = z
  .object({
    join: z.literal(true),
    /** Hours until it stops working; absent: until revoked. */
    expiresInHours: z.number().positive().max(24 * 365 * 10).optional(),
  })
  .strict();

export const tokenRoutes: RouteModule = (app, ctx) => {
  app.post('/api/tokens', async (c) => {
    // A body naming `join` is a join-token request; Hono caches the body, so readJsonBody reads it again below.
    const peek: unknown = await c.req.json().catch(() => null);
    if (peek !== null && typeof peek === 'object' && 'join' in peek) {
      const join = await readJsonBody(c, JoinBody);
      if (!join.ok) return join.response;
      const now = ctx.now();
      const hours = join.value.expiresInHours;
      const expiresAt = hours === undefined ? null : Math.round(now + hours * 3_600_000);
      const { id, token } = ctx.store.createJoinToken(now, expiresAt);
      ctx.logger.info(`fleet join token ${id} created${expiresAt === null ? '' : `, expires ${new Date(expiresAt).toISOString()}`}`);
      return c.json({ id, token, expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() }, 201);
    }
    const body = await readJsonBody(c, TokenBody);
    if (!body.ok) return body.response;
    const token = ctx.store.createToken(body.value.instanceId, ctx.now());
    ctx.logger.info(`agent token created for ${body.value.instanceId}`);
    return c.json({ instanceId: body.value.instanceId, token }, 201);
  });
};
