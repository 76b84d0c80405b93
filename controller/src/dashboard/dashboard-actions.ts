// The dashboard's buttons: POST /ui/instances/:id/{resume,hold,release} with a JSON body, and the small script that
// sends them (/ui/dashboard.js: a file, not inline, so a strict Content-Security-Policy can forbid inline scripts).
//
// Cross-site request forgery is refused three ways, each enough alone against a plain HTML form on another site:
// - the body must be JSON (`content-type: application/json`): a form cannot send that without a CORS preflight,
//   which this server never answers;
// - the `Origin` header must name this server (its Host); a browser always sends Origin on a cross-site POST;
// - an `x-csrf-token` header must carry the per-page token: an HMAC of the page's time under a per-process secret,
//   valid for 24 hours; another site cannot read the page, so it cannot know it.
// The routes sit behind the dashboard's own credential (browserAuth, registered by the daemon on /ui/*).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import type { RouteModule } from '../http/app-context';
import { readJsonBody } from '../http/json-body';
import { HoldBody, holdUntil } from '../http/routes/instances';
import { parseInstanceId } from '../store/instance-id';
import { ROUTES } from '../http-shared/route-table';

const TOKEN_TTL_MS = 24 * 3_600_000;

export class CsrfTokens {
  private readonly secret: Buffer;
  constructor(secret: Buffer = randomBytes(32)) {
    this.secret = secret;
  }
  private mac(ts: string): string {
    return createHmac('sha256', this.secret).update(`dashboard:${ts}`).digest('base64url');
  }
  issue(now: number): string {
    const ts = String(now);
    return `${ts}.${this.mac(ts)}`;
  }
  valid(token: string | undefined, now: number): boolean {
    if (!token) return false;
    const m = /^(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return false;
    const age = now - Number(m[1]);
    if (!(age >= -60_000 && age <= TOKEN_TTL_MS)) return false;
    const a = Buffer.from(m[2]!);
    const b = Buffer.from(this.mac(m[1]!));
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** Why a state-changing dashboard request is refused, or null when it may go on. */
export function csrfProblem(c: Context, csrf: CsrfTokens, now: number, trustProxy: boolean): string | null {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') return 'the body must be JSON (content-type: application/json)';
  const origin = c.req.header('origin');
  if (!origin) return 'no Origin header';
  const host = (trustProxy ? c.req.header('x-forwarded-host')?.split(',')[0]?.trim() : undefined) ?? c.req.header('host');
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return 'bad Origin header';
  }
  // A proxy may name the default port (nginx's `$host:$server_port`); the browser's Origin never does.
  const bare = (h: string) => h.toLowerCase().replace(/:(443|80)$/, '');
  if (!host || bare(originHost) !== bare(host)) return 'Origin does not match this server';
  if (!csrf.valid(c.req.header('x-csrf-token'), now)) return 'missing or expired page token: reload the dashboard';
  return null;
}

export function dashboardActionRoutes(opts: { csrf: CsrfTokens; trustProxy: boolean }): RouteModule {
  return (app, ctx) => {
    app.get(ROUTES.dashboardScript.path, (c) => {
      c.header('content-type', 'text/javascript; charset=utf-8');
      // The page links it with its hash (DASHBOARD_SCRIPT_PATH): cached for good, so a refresh stays one request.
      c.header('cache-control', 'private, max-age=31536000, immutable');
      return c.body(CLIENT_SCRIPT);
    });

    app.post(ROUTES.dashboardAct.path, async (c) => {
      const problem = csrfProblem(c, opts.csrf, ctx.now(), opts.trustProxy);
      if (problem !== null) {
        ctx.logger.warn(`dashboard: refused a ${c.req.param('act')} request: ${problem}`);
        return c.json({ error: `refused: ${problem}` }, 403);
      }
      const id = c.req.param('id') ?? '';
      if (parseInstanceId(id) === null) return c.json({ error: `invalid instance id "${id.slice(0, 100)}"` }, 400);
      const act = c.req.param('act');
      if (act === 'hold') {
        const body = await readJsonBody(c, HoldBody);
        if (!body.ok) return body.response;
        const u = holdUntil(body.value, ctx.now());
        if ('error' in u) return c.json({ error: u.error }, 400);
        const r = ctx.operations.hold(id, u.until, body.value.reason ?? null, 'dashboard');
        return r.ok ? c.json(r.body) : c.json({ error: r.error }, r.status);
      }
      const r = act === 'resume' ? await ctx.operations.resume(id, 'dashboard') : ctx.operations.release(id, 'dashboard');
      return r.ok ? c.json(r.body) : c.json({ error: r.error }, r.status);
    });
  };
}

/** The script's URL with its content hash: a new version gets a new URL, the old one stays cached. */
export function dashboardScriptPath(): string {
  return `/ui/dashboard.js?v=${createHash('sha256').update(CLIENT_SCRIPT).digest('hex').slice(0, 12)}`;
}

/**
 * Sends a button's act as JSON with the page token, then shows the outcome in the row: a resumed instance reads
 * "starting", a hold shows its end and enables release, a release clears it. The next refresh redraws from the server.
 */
const CLIENT_SCRIPT = `'use strict';
(function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute('content') : '';
  function fmt(iso) { return iso.replace('T', ' ').slice(0, 16) + ' UTC'; }
  function setMsg(row, text, bad) {
    var m = row.querySelector('.act-msg');
    if (m) { m.textContent = text; m.className = 'act-msg' + (bad ? ' bad' : ''); }
  }
  document.addEventListener('click', function (ev) {
    var btn = ev.target && ev.target.closest ? ev.target.closest('button[data-act]') : null;
    if (!btn || btn.disabled) return;
    var row = btn.closest('tr[data-instance]');
    if (!row) return;
    var id = row.getAttribute('data-instance');
    var act = btn.getAttribute('data-act');
    var body = act === 'hold' ? { hours: Number(btn.getAttribute('data-hours')) } : {};
    var buttons = row.querySelectorAll('button[data-act]');
    buttons.forEach(function (b) { b.disabled = true; });
    setMsg(row, act + '...', false);
    fetch('/ui/instances/' + encodeURIComponent(id) + '/' + act, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().then(function (j) { return { ok: res.ok, body: j }; }, function () { return { ok: false, body: { error: 'HTTP ' + res.status } }; });
    }).then(function (r) {
      buttons.forEach(function (b) { b.disabled = b.getAttribute('data-enabled') !== 'true'; });
      if (!r.ok) { setMsg(row, r.body.error || 'failed', true); return; }
      var release = row.querySelector('button[data-act="release"]');
      var resume = row.querySelector('button[data-act="resume"]');
      if (act === 'hold') {
        row.setAttribute('data-held', 'true');
        if (release) { release.disabled = false; release.setAttribute('data-enabled', 'true'); }
        setMsg(row, 'held until ' + fmt(r.body.until), false);
      } else if (act === 'release') {
        row.setAttribute('data-held', 'false');
        if (release) { release.disabled = true; release.setAttribute('data-enabled', 'false'); }
        setMsg(row, r.body.cleared ? 'hold released' : 'no hold', false);
      } else {
        if (resume) { resume.disabled = true; resume.setAttribute('data-enabled', 'false'); }
        var st = row.querySelector('.state');
        if (st) { st.textContent = 'starting'; st.className = 'state state-starting'; }
        setMsg(row, 'resume requested', false);
      }
    }, function (err) {
      buttons.forEach(function (b) { b.disabled = b.getAttribute('data-enabled') !== 'true'; });
      setMsg(row, 'network error: ' + err, true);
    });
  });
})();
`;
