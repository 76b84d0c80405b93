// GET /api/instances/:id (detail, recent samples, explanation), the keep-alive hold:
// POST /api/instances/:id/hold {until} | {hours} [reason], DELETE /api/instances/:id/hold (release), and
// POST /api/instances/:id/resume. Acts are recorded with their actor: `cli` when the CLI says so
// (X-Cost-Optimizer-Client: cli), else `api`.
// Ids may contain '/' (gcp:zone/name), sent as is or percent-encoded.
import { z } from 'zod';
import type { Context } from 'hono';
import { parseInstanceId } from '../../store/instance-id';
import type { AppContext, RouteModule } from '../app-context';
import { instanceDetailJson, iso, statusInstanceJson } from '../instance-json';
import { loadAttributions } from '../../owners/attributions';
import { readJsonBody } from '../json-body';
import { MAX_HOLD_MS } from '../../operations/instance-operations';
import type { ActionActor } from '../../domain/action';
import { ROUTES } from '../../http-shared/route-table';
const MAX_SAMPLE_MINUTES = 48 * 60;

export const HoldBody = z
  .object({
    /** ISO 8601 time or epoch milliseconds. */
    until: z.union([z.string().max(64), z.number().int()]).optional(),
    hours: z
      .number()
      .finite()
      .gt(0)
      .max(MAX_HOLD_MS / 3_600_000)
      .optional(),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .refine((b) => (b.until === undefined) !== (b.hours === undefined), { message: 'give exactly one of until or hours' });

const ResumeBody = z.object({}).strict();

export function apiActor(c: Context): ActionActor {
  return c.req.header('x-cost-optimizer-client') === 'cli' ? 'cli' : 'api';
}

/** The hold's end from a validated body, or an error line. */
export function holdUntil(body: z.infer<typeof HoldBody>, now: number): { until: number } | { error: string } {
  let until: number;
  if (body.hours !== undefined) until = now + Math.round(body.hours * 3_600_000);
  else {
    const u = body.until!;
    until = typeof u === 'number' ? u : Date.parse(u);
    if (!Number.isFinite(until)) return { error: 'invalid body: until: expected an ISO 8601 time or epoch milliseconds' };
  }
  if (until <= now) return { error: 'invalid body: until: must be in the future' };
  if (until - now > MAX_HOLD_MS) return { error: 'invalid body: until: at most 366 days ahead' };
  return { until };
}

function instanceOr404(c: Context, ctx: AppContext) {
  const id = c.req.param('id') ?? '';
  if (parseInstanceId(id) === null) return { id, response: c.json({ error: `invalid instance id "${id.slice(0, 100)}"` }, 400) };
  const instance = ctx.store.getInstance(id);
  if (instance === null) return { id, response: c.json({ error: `unknown instance ${id}` }, 404) };
  return { id, instance };
}

export const instanceRoutes: RouteModule = (app, ctx) => {
  app.post(ROUTES.hold.path, async (c) => {
    const found = instanceOr404(c, ctx);
    if (found.response) return found.response;
    const body = await readJsonBody(c, HoldBody);
    if (!body.ok) return body.response;
    const u = holdUntil(body.value, ctx.now());
    if ('error' in u) return c.json({ error: u.error }, 400);
    const r = ctx.operations.hold(found.id, u.until, body.value.reason ?? null, apiActor(c));
    return r.ok ? c.json(r.body) : c.json({ error: r.error }, r.status);
  });

  app.delete(ROUTES.release.path, (c) => {
    const found = instanceOr404(c, ctx);
    if (found.response) return found.response;
    const r = ctx.operations.release(found.id, apiActor(c));
    return r.ok ? c.json(r.body) : c.json({ error: r.error }, r.status);
  });

  app.post(ROUTES.resume.path, async (c) => {
    const found = instanceOr404(c, ctx);
    if (found.response) return found.response;
    // An empty body is accepted; a body, when sent, must be a JSON object (no fields yet).
    if ((c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding')) {
      const body = await readJsonBody(c, ResumeBody);
      if (!body.ok) return body.response;
    }
    const r = await ctx.operations.resume(found.id, apiActor(c));
    return r.ok ? c.json(r.body) : c.json({ error: r.error }, r.status);
  });

  app.get(ROUTES.instance.path, (c) => {
    const found = instanceOr404(c, ctx);
    if (found.response) return found.response;
    const minutesRaw = c.req.query('minutes');
    const minutes = minutesRaw === undefined ? 60 : Number(minutesRaw);
    if (!Number.isFinite(minutes) || minutes <= 0 || minutes > MAX_SAMPLE_MINUTES) {
      return c.json({ error: `minutes must be a number between 0 and ${MAX_SAMPLE_MINUTES}` }, 400);
    }
    const now = ctx.now();
    const i = found.instance;
    const view = ctx.view.instance(i, now);
    const who = loadAttributions(ctx.store).of(i);
    const base = statusInstanceJson(i, ctx.store.lastSample(i.id), view, now, ctx.staleAfterMs, who);
    const samples = ctx.store.sampleDetails(i.id, now - minutes * 60_000, 2_000).map((s) => ({ ...s, t0: iso(s.t0), t1: iso(s.t1) }));
    return c.json({
      instance: instanceDetailJson(i, base, { agentConnected: ctx.ingest?.isConnected(i.id) ?? false, hold: ctx.store.activeHold(i.id, now), view, who }),
      samples,
      explanation: ctx.view.explain(i, now) ?? null,
      // Every kind, with who did it: GET /api/actions lists only pause/delete/warn; here resume, hold, release and
      // pause warnings show too.
      actions: ctx.store
        .listActions({ instanceId: i.id, limit: 20 })
        .map((a) => ({ id: a.id, kind: a.kind, status: a.status, actor: a.actor, reason: a.reason, at: iso(a.createdAt) })),
    });
  });
};
