// Defences for a controller a browser can reach: every request must name one of the controller's own hosts (a DNS
// rebinding page names the attacker's), and a state-changing request must be JSON from the controller's own origin
// (a cross-site form or fetch cannot send both, and the browser always sends Origin on a POST). See docs/auth.md.
import type { MiddlewareHandler } from 'hono';
import { isIP } from 'node:net';
import { isLoopbackHost } from '../../../protocol/loopback';

export interface RequestGuardOptions {
  /** The listen address (HOST). */
  host: string;
  /** PUBLIC_URL, when set. */
  publicUrl: string | null;
  /** Behind a proxy X-Forwarded-Host names the host the browser used. */
  trustProxy: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** The host name of a Host header value (`name:port`, `[v6]:port`), lower case, without brackets; null when malformed. */
export function hostName(hostHeader: string): string | null {
  try {
    const h = new URL(`http://${hostHeader}`).hostname.toLowerCase();
    return h.startsWith('[') ? h.slice(1, -1) : h;
  } catch {
    return null;
  }
}

/**
 * Which Host names the controller answers to: loopback (literal 127.0.0.0/8, ::1, localhost: never a name that only
 * starts with "127.", which DNS can point anywhere), HOST itself and PUBLIC_URL's host. On a wildcard
 * HOST (0.0.0.0, ::) any IP literal too, and without PUBLIC_URL any name (there is no list to check against; the
 * credential still protects /api/*).
 */
export function allowedHost(opts: RequestGuardOptions): (name: string) => boolean {
  const names = new Set<string>();
  const wildcard = WILDCARD.has(opts.host);
  if (!wildcard) names.add(opts.host.toLowerCase());
  if (opts.publicUrl !== null) names.add(new URL(opts.publicUrl).hostname.toLowerCase().replace(/^\[|\]$/g, ''));
  return (name) => names.has(name) || isLoopbackHost(name) || (wildcard && (isIP(name) !== 0 || opts.publicUrl === null));
}

export function requestGuard(opts: RequestGuardOptions): MiddlewareHandler {
  const allowed = allowedHost(opts);
  // Behind a proxy that rewrites Host (nginx's default), the browser's Origin is PUBLIC_URL's, not the Host seen here.
  const publicHost = opts.publicUrl === null ? null : new URL(opts.publicUrl).host.toLowerCase();
  return async (c, next) => {
    const forwarded = opts.trustProxy ? c.req.header('x-forwarded-host')?.split(',')[0]?.trim() : undefined;
    // The node adapter builds the request URL from Host; the URL is the fallback for requests made in-process.
    const hostHeader = forwarded || c.req.header('host') || new URL(c.req.url).host;
    const name = hostName(hostHeader);
    if (name === null || !allowed(name)) {
      return c.json({ error: `unknown Host "${hostHeader.slice(0, 100)}": this controller answers to its own names only (HOST, PUBLIC_URL, loopback)` }, 421);
    }
    if (SAFE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    if (origin !== undefined) {
      let originHost: string | null = null;
      try {
        originHost = new URL(origin).host.toLowerCase();
      } catch {
        originHost = null;
      }
      if (originHost === null || (originHost !== hostHeader.toLowerCase() && originHost !== publicHost)) {
        return c.json({ error: 'cross-origin request refused: Origin does not match this controller' }, 403);
      }
    } else if (c.req.header('sec-fetch-site') === 'cross-site') {
      return c.json({ error: 'cross-site request refused' }, 403);
    }
    // DELETE is never a "simple" cross-site request (the browser asks first, and nothing here answers CORS) and has no body.
    if (c.req.method === 'DELETE') return next();
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return c.json({ error: 'state-changing requests need Content-Type: application/json' }, 415);
    }
    return next();
  };
}
