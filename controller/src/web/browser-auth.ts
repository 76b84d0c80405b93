// Auth for the pages a browser or Prometheus opens (/ and /metrics): Bearer, or HTTP Basic with the admin token as
// password (browsers prompt for it; Prometheus' basic_auth works too). Constant-time compare.
import type { MiddlewareHandler } from 'hono';
import { adminDigest, hasAdminToken } from '../http/admin-auth';

export function browserAuth(adminToken: string | null): MiddlewareHandler {
  const expected = adminToken === null ? null : adminDigest(adminToken);
  return async (c, next) => {
    if (expected !== null && !hasAdminToken(c.req.header('authorization'), expected)) {
      c.header('WWW-Authenticate', 'Basic realm="cost-optimizer", charset="UTF-8"');
      return c.text('unauthorized: log in with any user name and the admin token (ADMIN_TOKEN, or DATA_DIR/admin-token) as password\n', 401);
    }
    await next();
  };
}
