// Auth for the pages a browser or Prometheus opens (/ and /metrics) when ADMIN_TOKEN is set: Bearer, or HTTP Basic
// with the token as password (browsers prompt for it; Prometheus' basic_auth works too). Constant-time compare.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function presentedToken(header: string): string | null {
  const bearer = /^Bearer +(\S+) *$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

export function browserAuth(adminToken: string | null): MiddlewareHandler {
  const expected = adminToken === null ? null : digest(adminToken);
  return async (c, next) => {
    if (expected !== null) {
      const token = presentedToken(c.req.header('authorization') ?? '');
      if (token === null || !timingSafeEqual(digest(token), expected)) {
        c.header('WWW-Authenticate', 'Basic realm="cost-optimizer", charset="UTF-8"');
        return c.text('unauthorized: log in with any user name and the ADMIN_TOKEN as password\n', 401);
      }
    }
    await next();
  };
}
