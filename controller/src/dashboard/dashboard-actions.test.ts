import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { CsrfTokens, csrfProblem } from './dashboard-actions';

describe('dashboard CSRF checks', () => {
  it('accepts its own fresh token only: not tampered, not from another secret, not older than 24 h', () => {
    const t = new CsrfTokens();
    const now = 1_800_000_000_000;
    const token = t.issue(now);
    expect(t.valid(token, now + 60_000)).toBe(true);
    expect(t.valid(token, now + 25 * 3_600_000)).toBe(false);
    expect(t.valid(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), now)).toBe(false);
    expect(new CsrfTokens().valid(token, now)).toBe(false);
    expect(t.valid(undefined, now)).toBe(false);
    expect(t.valid(`${now + 1}.${token.split('.')[1]}`, now)).toBe(false);
  });

  it('refuses a non-JSON body, a missing or foreign Origin, and a missing token', async () => {
    const csrf = new CsrfTokens();
    const now = Date.now();
    const app = new Hono();
    app.post('/x', (c) => c.text(csrfProblem(c, csrf, now, false) ?? 'ok'));
    const send = async (headers: Record<string, string>) =>
      (await app.request('http://co.local:8080/x', { method: 'POST', headers: { host: 'co.local:8080', ...headers }, body: '{}' })).text();
    const good = { 'content-type': 'application/json', origin: 'http://co.local:8080', 'x-csrf-token': csrf.issue(now) };
    expect(await send(good)).toBe('ok');
    expect(await send({ ...good, 'content-type': 'text/plain' })).toMatch(/must be JSON/);
    expect(await send({ ...good, origin: 'http://evil.example' })).toMatch(/Origin does not match/);
    const { origin: _o, ...noOrigin } = good;
    expect(await send(noOrigin)).toMatch(/no Origin/);
    const { 'x-csrf-token': _t, ...noToken } = good;
    expect(await send(noToken)).toMatch(/page token/);
  });
});
