// The people directory over HTTP (docs/owners.md): GET /api/owners, GET/PUT/DELETE /api/owners/:name (JSON fields
// slack, email, team) and GET /api/teams, GET/PUT/DELETE /api/teams/:name (webhook, monthlyBudget, idle, noDelete).
// PUT merges: a field left out keeps its value, null clears it.
import type { Context } from 'hono';
import { nameProblem } from '../../owners/directory-entry';
import { ownerJson, setOwner, setTeam, teamJson } from '../../owners/directory-service';
import type { RouteModule } from '../app-context';
import { ROUTES } from '../../http-shared/route-table';

async function objectBody(c: Context): Promise<Record<string, unknown> | Response> {
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    return c.json({ error: 'body must be valid JSON' }, 400);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return c.json({ error: 'body must be a JSON object' }, 400);
  return raw as Record<string, unknown>;
}

export const directoryRoutes: RouteModule = (app, ctx) => {
  const badName = (c: Context, name: string) => {
    const p = nameProblem(name);
    return p === null ? null : c.json({ error: `invalid name: ${p}` }, 400);
  };

  app.get(ROUTES.owners.path, (c) => c.json({ owners: ctx.store.directory.listOwners().map(ownerJson) }));
  app.get(ROUTES.owner.path, (c) => {
    const name = c.req.param('name');
    const o = ctx.store.directory.getOwner(name);
    return o === null ? c.json({ error: `no owner ${name.slice(0, 80)}` }, 404) : c.json(ownerJson(o));
  });
  app.put(ROUTES.putOwner.path, async (c) => {
    const name = c.req.param('name');
    const bad = badName(c, name);
    if (bad) return bad;
    const body = await objectBody(c);
    if (body instanceof Response) return body;
    const r = setOwner(ctx.store, name, body, ctx.now());
    if (!r.ok) return c.json({ error: r.error }, r.status);
    ctx.logger.info(`owner ${name} ${r.created ? 'added' : 'updated'} through the API`);
    return c.json(ownerJson(r.value), r.created ? 201 : 200);
  });
  app.delete(ROUTES.deleteOwner.path, (c) => {
    const name = c.req.param('name');
    if (ctx.store.directory.getOwner(name)?.source === 'file') return c.json({ error: `owner ${name} comes from DIRECTORY_FILE: remove it there` }, 409);
    if (!ctx.store.directory.removeOwner(name)) return c.json({ error: `no owner ${name.slice(0, 80)}` }, 404);
    ctx.logger.info(`owner ${name} removed through the API`);
    return c.json({ name, removed: true });
  });

  app.get(ROUTES.teams.path, (c) => c.json({ teams: ctx.store.directory.listTeams().map(teamJson) }));
  app.get(ROUTES.team.path, (c) => {
    const name = c.req.param('name');
    const t = ctx.store.directory.getTeam(name);
    return t === null ? c.json({ error: `no team ${name.slice(0, 80)}` }, 404) : c.json(teamJson(t));
  });
  app.put(ROUTES.putTeam.path, async (c) => {
    const name = c.req.param('name');
    const bad = badName(c, name);
    if (bad) return bad;
    const body = await objectBody(c);
    if (body instanceof Response) return body;
    const r = setTeam(ctx.store, name, body, ctx.now());
    if (!r.ok) return c.json({ error: r.error }, r.status);
    ctx.logger.info(`team ${name} ${r.created ? 'added' : 'updated'} through the API`);
    return c.json(teamJson(r.value), r.created ? 201 : 200);
  });
  app.delete(ROUTES.deleteTeam.path, (c) => {
    const name = c.req.param('name');
    if (ctx.store.directory.getTeam(name)?.source === 'file') return c.json({ error: `team ${name} comes from DIRECTORY_FILE: remove it there` }, 409);
    if (!ctx.store.directory.removeTeam(name)) return c.json({ error: `no team ${name.slice(0, 80)}` }, 404);
    ctx.logger.info(`team ${name} removed through the API`);
    return c.json({ name, removed: true });
  });
};
