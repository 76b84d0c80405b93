// The address an HTTP request came from: the socket's peer, or with TRUST_PROXY the address the proxy in front of us
// appended to X-Forwarded-For (its last entry: everything before it the client could have written itself).
import { isIP } from 'node:net';
import type { Context } from 'hono';

/** `::ffff:192.0.2.1` -> `192.0.2.1`; providers list IPv4 addresses plainly. */
export function normalizeAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address.toLowerCase();
}

/** The peer address of the request's socket; null when the app is not served by @hono/node-server (app.request()). */
function socketAddress(c: Context): string | null {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } }; server?: { incoming?: { socket?: { remoteAddress?: string } } } } | undefined;
  const incoming = env?.server?.incoming ?? env?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}

export function clientAddress(c: Context, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for');
    if (forwarded !== undefined) {
      const last = forwarded.split(',').pop()?.trim() ?? '';
      // A proxy we trust wrote it: if it is not an address, something is wrong; unknown, never the socket's.
      return isIP(last) !== 0 ? normalizeAddress(last) : null;
    }
  }
  const peer = socketAddress(c);
  return peer === null ? null : normalizeAddress(peer);
}
