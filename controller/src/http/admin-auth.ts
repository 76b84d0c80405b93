// Bearer check for /api/* when ADMIN_TOKEN is set; constant-time so response timing says nothing about the token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function adminAuth(adminToken: string): MiddlewareHandler {
  const expected = digest(adminToken);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer +(\S+) *$/i.exec(header);
    // Hashing both sides gives equal lengths, which timingSafeEqual needs, without revealing the token's length.
    if (m === null || !timingSafeEqual(digest(m[1]!), expected)) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: 'unauthorized: send Authorization: Bearer <ADMIN_TOKEN>' }, 401);
    }
    await next();
  };
}
