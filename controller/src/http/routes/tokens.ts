// POST /api/tokens {instanceId} -> {instanceId, token}: mints an agent token bound to one instance (shown once).
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

export const tokenRoutes: RouteModule = (app, ctx) => {
  app.post('/api/tokens', async (c) => {
    const body = await readJsonBody(c, TokenBody);
    if (!body.ok) return body.response;
    const token = ctx.store.createToken(body.value.instanceId, ctx.now());
    ctx.logger.info(`agent token created for ${body.value.instanceId}`);
    return c.json({ instanceId: body.value.instanceId, token }, 201);
  });
};
