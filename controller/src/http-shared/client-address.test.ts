// Where a claim came from: X-Forwarded-For's last entry only with TRUST_PROXY, never a value the client could forge.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { clientAddress } from './client-address';

async function addressOf(trustProxy: boolean, headers: Record<string, string>, peer?: string): Promise<string> {
  const app = new Hono();
  app.get('/', (c) => c.text(String(clientAddress(c, trustProxy))));
  const env = peer === undefined ? undefined : { incoming: { socket: { remoteAddress: peer } } };
  const r = await app.request('/', { headers }, env);
  return r.text();
}

describe('clientAddress', () => {
  it('is the socket peer, IPv4-mapped addresses unwrapped, whatever X-Forwarded-For says without TRUST_PROXY', async () => {
    expect(await addressOf(false, { 'x-forwarded-for': '192.0.2.45' }, '::ffff:10.0.0.9')).toBe('10.0.0.9');
    expect(await addressOf(false, {})).toBe('null');
  });

  it('with TRUST_PROXY is the last X-Forwarded-For entry (what our proxy saw), and unknown when that is no address', async () => {
    expect(await addressOf(true, { 'x-forwarded-for': '192.0.2.45, 198.51.100.7' }, '127.0.0.1')).toBe('198.51.100.7');
    expect(await addressOf(true, { 'x-forwarded-for': '198.51.100.7, garbage' }, '127.0.0.1')).toBe('null');
    expect(await addressOf(true, {}, '127.0.0.1')).toBe('127.0.0.1');
  });
});
