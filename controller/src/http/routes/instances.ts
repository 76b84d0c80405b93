// GET /api/instances/:id (detail, recent samples, explanation) and the keep-alive hold:
// POST /api/instances/:id/hold {until} | {hours} [reason], DELETE /api/instances/:id/hold.
// Ids may contain '/' (gcp:zone/name), sent as is or percent-encoded.
import { z } from 'zod';
import type { Context } from 'hono';
import { parseInstanceId } from '../../store/instance-id';
import type { AppContext, RouteModule } from '../app-context';
import { instanceDetailJson, iso, statusInstanceJson } from '../instance-json';
import { readJsonBody } from '../json-body';

const MAX_HOLD_MS = 366 * 24 * 3_600_000;
const MAX_SAMPLE_MINUTES = 48 * 60;

const HoldBody = z
  .object({
    /** ISO 8601 time or epoch milliseconds. */
    until: z.union([z.string().max(64), z.number().int()]).optional(),
    hours: z.number().finite().gt(0).max(MAX_HOLD_MS / 3_600_000).optional(),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .refine((b) => (b.until === undefined) !== (b.hours === undefined), { message: 'give exactly one of until or hours' });

function instanceOr404(c: Context, ctx: AppContext) {
  const id = c.req.param('id') ?? '';
  if (parseInstanceId(id) === null) return { id, response: c.json({ error: `invalid instance id "${id.slice(0, 100)}"` }, 400) };
  const instance = ctx.store.getInstance(id);
  if (instance === null) return { id, response: c.json({ error: `unknown instance ${id}` }, 404) };
  return { id, instance };
}

export const instanceRoutes: RouteModule = (app, ctx) => {
  app.post('/api/instances/:id{.+}/hold', async (c) => {
    const found = instanceOr404(c, ctx);
    if (found.response) return found.response;
    const body = await readJsonBody(c, HoldBody);
    if (!body.ok) return body.response;
    const now = ctx.now();
    let until: number;
    if (body.value.hours !== undefined) {
      until = now + Math.round(body.value.hours * 3_600_000);
    } else {
      const u = body.value.until!;
      until = typeof u === 'number' ? u : Date.parse(u);
      if (!Number.isFinite(until)) return c.json({ error: 'invalid body: until: expected an ISO 8601 time or epoch milliseconds' }, 400);
    }
    if (until <= now) return c.json({ error: 'invalid body: until: must be in the future' }, 400);
    if (until - now > MAX_HOLD_MS) return c.json({ error: 'invalid body: until: at most 366 days ahead' }, 400);
    const hold = ctx.store.setHold(found.id, until, body.value.reason ?? 'hold set through the API', now);
    ctx.logger.info(`hold on ${found.id} until ${iso(until)}: ${hold.reason}`);
    return c.json({ instanceId: found.id, until: iso(hold.until), reason: hold.reason });
  });

  app.delete('/api/instances/:id{.+}/hold', (c) => {
    const found = instanceOr404(c, ctx);
    if (found.response) return found.response;
    const cleared = ctx.store.clearHold(found.id);
    if (cleared) ctx.logger.info(`hold on ${found.id} cleared`);
    return c.json({ instanceId: found.id, cleared });
  });

  app.get('/api/instances/:id{.+}', (c) => {
    const found = instanceOr404(c, ctx);
    if (found.response) return found.response;
    const minutesRaw = c.req.query('minutes');
    const minutes = minutesRaw === undefined ? 60 : Number(minutesRaw);
    if (!Number.isFinite(minutes) || minutes <= 0 || minutes > MAX_SAMPLE_MINUTES) {
      return c.json({ error: `minutes must be a number between 0 and ${MAX_SAMPLE_MINUTES}` }, 400);
    }
    const now = ctx.now();
    const i = found.instance;
    const base = statusInstanceJson(i, ctx.store.lastSample(i.id), ctx.view.instance(i, now), now, ctx.staleAfterMs);
    const samples = ctx.store.sampleDetails(i.id, now - minutes * 60_000, 2_000).map((s) => ({ ...s, t0: iso(s.t0), t1: iso(s.t1) }));
    return c.json({
      instance: instanceDetailJson(i, base, { agentConnected: ctx.ingest?.isConnected(i.id) ?? false, hold: ctx.store.activeHold(i.id, now) }),
      samples,
      explanation: ctx.view.explain(i, now) ?? null,
    });
  });
};
