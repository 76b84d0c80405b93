// The admin credential check for /api/*: Bearer, or HTTP Basic with the token as password (what a browser caches for
// the dashboard, so its buttons can POST). Constant-time so response timing says nothing about the token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { bearerToken } from '../http-shared/bearer-token';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The token a request presents: `Bearer <t>`, or Basic with any user name and `<t>` as password; null otherwise. */
export function presentedToken(header: string): string | null {
  const bearer = bearerToken(header);
  if (bearer !== null) return bearer;
  const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

/** Whether the request carries the admin token; hashing both sides gives timingSafeEqual equal lengths without revealing the token's. */
export function hasAdminToken(header: string | undefined, expected: Buffer): boolean {
  const token = presentedToken(header ?? '');
  return token !== null && timingSafeEqual(digest(token), expected);
}

export function adminDigest(adminToken: string): Buffer {
  return digest(adminToken);
}

export function adminAuth(adminToken: string): MiddlewareHandler {
  const expected = digest(adminToken);
  return async (c, next) => {
    if (!hasAdminToken(c.req.header('authorization'), expected)) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: 'unauthorized: send Authorization: Bearer <admin token> (ADMIN_TOKEN, or the one in DATA_DIR/admin-token)' }, 401);
    }
    await next();
  };
}
