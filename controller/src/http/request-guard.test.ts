import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { allowedHost, hostName, requestGuard, type RequestGuardOptions } from './request-guard';

function app(opts: Partial<RequestGuardOptions> = {}) {
  const a = new Hono();
  a.use('*', requestGuard({ host: '127.0.0.1', publicUrl: null, trustProxy: false, ...opts }));
  a.get('/x', (c) => c.text('ok'));
  a.post('/x', (c) => c.text('ok'));
  a.delete('/x', (c) => c.text('ok'));
  return a;
}
const json = { 'content-type': 'application/json' };

describe('requestGuard', () => {
  it('answers its own names only', async () => {
    expect((await app().request('http://127.0.0.1:8080/x')).status).toBe(200);
    expect((await app().request('http://localhost:8080/x')).status).toBe(200);
    expect((await app().request('http://[::1]:8080/x')).status).toBe(200);
    expect((await app().request('http://rebind.evil.example:8080/x')).status).toBe(421);
    expect((await app().request('http://127.0.0.2:8080/x')).status).toBe(200);
    // A DNS name that only looks like loopback can be rebound to the controller: it is not one of its names.
    expect((await app().request('http://127.rebind.attacker.example:8080/x')).status).toBe(421);
    expect((await app().request('http://127.0.0.1.attacker.example:8080/x')).status).toBe(421);
    const pub = app({ host: '0.0.0.0', publicUrl: 'https://co.example.com' });
    expect((await pub.request('https://co.example.com/x')).status).toBe(200);
    expect((await pub.request('http://10.1.2.3:8080/x')).status).toBe(200);
    expect((await pub.request('http://evil.example/x')).status).toBe(421);
  });

  it('believes X-Forwarded-Host only behind a trusted proxy', async () => {
    const headers = { 'x-forwarded-host': 'evil.example' };
    expect((await app().request('http://127.0.0.1/x', { headers })).status).toBe(200);
    expect((await app({ trustProxy: true }).request('http://127.0.0.1/x', { headers })).status).toBe(421);
  });

  it('refuses state changes from another origin or without JSON', async () => {
    const a = app();
    expect((await a.request('http://127.0.0.1:8080/x', { method: 'POST', headers: { ...json, origin: 'http://127.0.0.1:8080' } })).status).toBe(200);
    expect((await a.request('http://127.0.0.1:8080/x', { method: 'POST', headers: { ...json, origin: 'https://evil.example' } })).status).toBe(403);
    expect((await a.request('http://127.0.0.1:8080/x', { method: 'POST', headers: { ...json, origin: 'http://127.0.0.1:9999' } })).status).toBe(403);
    expect((await a.request('http://127.0.0.1:8080/x', { method: 'POST', headers: { ...json, origin: 'null' } })).status).toBe(403);
    expect((await a.request('http://127.0.0.1:8080/x', { method: 'POST', headers: { ...json, 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await a.request('http://127.0.0.1:8080/x', { method: 'POST', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await a.request('http://127.0.0.1:8080/x', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    expect((await a.request('http://127.0.0.1:8080/x', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' } })).status).toBe(200);
    expect((await a.request('http://127.0.0.1:8080/x', { method: 'DELETE' })).status).toBe(200);
    expect((await a.request('http://127.0.0.1:8080/x', { method: 'DELETE', headers: { origin: 'https://evil.example' } })).status).toBe(403);
  });

  it('accepts the PUBLIC_URL origin behind a proxy that rewrites Host', async () => {
    const a = app({ publicUrl: 'https://co.example.com' });
    const post = (origin: string) => a.request('http://127.0.0.1:8080/x', { method: 'POST', headers: { ...json, origin } });
    expect((await post('https://co.example.com')).status).toBe(200);
    expect((await post('https://evil.example')).status).toBe(403);
  });

  it('parses Host values', () => {
    expect(hostName('Example.COM:80')).toBe('example.com');
    expect(hostName('[::1]:8080')).toBe('::1');
    expect(hostName('a b')).toBeNull();
    expect(allowedHost({ host: '0.0.0.0', publicUrl: null, trustProxy: false })('anything.example')).toBe(true);
  });
});
