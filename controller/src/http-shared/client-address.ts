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

/**
 * The client behind a trusted proxy: the last X-Forwarded-For entry (what our proxy appended), or null when it is not an
 * address (something is wrong: unknown, never the proxy's own address). Undefined when there is no such header.
 */
export function forwardedClient(header: string | string[] | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  const last = (Array.isArray(header) ? header.join(',') : header).split(',').pop()?.trim() ?? '';
  return isIP(last) !== 0 ? normalizeAddress(last) : null;
}

export function clientAddress(c: Context, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = forwardedClient(c.req.header('x-forwarded-for'));
    if (forwarded !== undefined) return forwarded;
  }
  const peer = socketAddress(c);
  return peer === null ? null : normalizeAddress(peer);
}
