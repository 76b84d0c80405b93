import { Agent, type Dispatcher } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeServer } from '../../fake-world/fake-http';
import { ProviderError } from '../../domain/errors';
import type { Logger } from '../../log';
import { HttpClient } from './http-client';

const SECRET = 'sk-live-0123456789abcdef';
const RETRY = { maxRetries: 2, baseDelayMs: 2, maxDelayMs: 5 };

describe('HttpClient', () => {
  let server: FakeServer;
  const lines: string[] = [];
  const logger: Logger = {
    debug: (m) => void lines.push(m),
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(m),
    error: (m, e) => void lines.push(`${m} ${String(e)}`),
  };
  const client = (timeoutMs = 5_000, extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
    new HttpClient({
      provider: 'test',
      baseUrl: `${server.url}/`,
      headers: { authorization: `Bearer ${SECRET}` },
      secrets: [SECRET],
      timeoutMs,
      retry: RETRY,
      logger,
      ...extra,
    });

  beforeAll(async () => {
    server = await startFakeServer({
      handler: (r) => {
        if (r.path === '/echo-secret') {
          // A provider that echoes the request back, key included, in its error.
          return { status: 401, text: `invalid key ${SECRET} for ${r.path}?api_key=${SECRET}` };
        }
        if (r.path === '/not-json') return { status: 200, text: '<html>hi</html>' };
        if (r.path === '/bad') return { status: 400, json: { success: false, error: 'invalid_args', msg: 'nope' } };
        if (r.path === '/gone') return { status: 404, json: { error: 'not_found' } };
        return { status: 200, json: { ok: true, method: r.method, body: r.body, ct: r.headers['content-type'] ?? null } };
      },
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.clearFaults();
    server.clearRequests();
    lines.length = 0;
  });

  it('sends JSON and form bodies, keeps the path verbatim and drops null query values', async () => {
    const c = client();
    const res = await c.request({ op: 'list', method: 'GET', path: '/api/v1/instances/', query: { limit: 25, after_token: null, owner: 'me' } });
    expect(res.json).toMatchObject({ ok: true });
    expect(server.requests[0]).toMatchObject({ path: '/api/v1/instances/', query: { limit: '25', owner: 'me' } });
    await c.request({ op: 'pause', method: 'PUT', path: '/x/', json: { state: 'stopped' } });
    expect(server.requests[1]).toMatchObject({ method: 'PUT', body: '{"state":"stopped"}', headers: { 'content-type': 'application/json' } });
    await c.request({ op: 'list', method: 'POST', path: '/f', form: { a: '1 2', b: 'x&y' } });
    expect(server.requests[2]!.form).toEqual({ a: '1 2', b: 'x&y' });
  });

  it('retries a plain-text 429 and a 500 on GET; a PUT refused with 429 is sent once and says it is safe to resend', async () => {
    const c = client();
    server.injectFault({ kind: '429-text', times: 2 });
    await c.request({ op: 'list', method: 'GET', path: '/l' });
    expect(server.requests.length).toBe(3);
    server.clearRequests();
    server.injectFault({ kind: '429-text' });
    const put = await c.request({ op: 'pause', method: 'PUT', path: '/p', json: {} }).catch((e: unknown) => e);
    expect(put).toMatchObject({ op: 'pause', retryable: true, status: 429, outcomeUnknown: false, safeToResend: true });
    expect(server.requests.length).toBe(1);
    server.clearRequests();
    server.injectFault({ kind: '500' });
    await c.request({ op: 'list', method: 'GET', path: '/l' });
    expect(server.requests.length).toBe(2);
    expect(lines.some((l) => l.includes('retry 1/2'))).toBe(true);
  });

  it('gives up after maxRetries with a retryable error carrying the status', async () => {
    server.injectFault({ kind: '503', times: 10 });
    const err = await client()
      .request({ op: 'list', method: 'GET', path: '/l' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ provider: 'test', op: 'list', retryable: true, status: 503, outcomeUnknown: false });
    expect(server.requests.length).toBe(3);
  });

  it('never resends a non-idempotent call after a 500: outcome unknown', async () => {
    server.injectFault({ kind: '500' });
    const err = await client()
      .request({ op: 'delete', method: 'DELETE', path: '/d', json: {} })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ op: 'delete', retryable: true, status: 500, outcomeUnknown: true, safeToResend: false });
    expect(server.requests.length).toBe(1);
  });

  it('a timeout on GET is retried then fails retryable; on PUT it fails at once with outcome unknown', async () => {
    server.injectFault({ kind: 'hang', times: 10 });
    const get = await client(150)
      .request({ op: 'get', method: 'GET', path: '/g' })
      .catch((e: unknown) => e);
    expect(get).toMatchObject({ op: 'get', retryable: true, outcomeUnknown: false, status: null });
    expect((get as Error).message).toContain('timed out after 150 ms');
    expect(server.requests.length).toBe(3);
    server.clearRequests();
    const put = await client(150)
      .request({ op: 'pause', method: 'PUT', path: '/p', json: {} })
      .catch((e: unknown) => e);
    expect(put).toMatchObject({ op: 'pause', retryable: true, outcomeUnknown: true });
    expect(server.requests.length).toBe(1);
  });

  it('a connection reset after sending a PUT is outcome unknown', async () => {
    server.injectFault({ kind: 'reset' });
    const err = await client()
      .request({ op: 'resume', method: 'PUT', path: '/p', json: {} })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ op: 'resume', outcomeUnknown: true });
    expect(server.requests.length).toBe(1);
  });

  it('a refused connection was never sent: a GET is retried; a PUT is sent once, not outcome-unknown, safe to resend', async () => {
    const c = new HttpClient({ provider: 'test', baseUrl: 'http://127.0.0.1:1', retry: RETRY, logger });
    const get = await c.request({ op: 'get', method: 'GET', path: '/g' }).catch((e: unknown) => e);
    expect(get).toMatchObject({ retryable: true, outcomeUnknown: false, safeToResend: false });
    expect(lines.filter((l) => l.includes('retry')).length).toBe(2);
    lines.length = 0;
    const err = await c.request({ op: 'pause', method: 'PUT', path: '/p', json: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, outcomeUnknown: false, safeToResend: true });
    expect((err as Error).message).toContain('ECONNREFUSED');
    expect(lines.filter((l) => l.includes('retry')).length).toBe(0);
  });

  it('4xx is not retried; acceptStatus hands it back; non-JSON bodies parse to undefined', async () => {
    const c = client();
    const err = await c.request({ op: 'get', method: 'GET', path: '/bad' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: false, status: 400 });
    expect((err as Error).message).toContain('invalid_args');
    expect(server.requests.length).toBe(1);
    expect((await c.request({ op: 'get', method: 'GET', path: '/gone', acceptStatus: [404] })).status).toBe(404);
    expect((await c.request({ op: 'get', method: 'GET', path: '/not-json' })).json).toBeUndefined();
  });

  it('a caller abort stops at once and is not retried', async () => {
    server.injectFault({ kind: 'hang', times: 10 });
    const ac = new AbortController();
    const p = client()
      .request({ op: 'list', method: 'GET', path: '/l', signal: ac.signal })
      .catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 50);
    expect(await p).toMatchObject({ retryable: true });
    expect(((await p) as Error).message).toContain('aborted by caller');
    expect(server.requests.length).toBe(1);
  });

  it('spaces calls of one endpoint by its minimum interval', async () => {
    // Record when the client hands each request to the connection pool (arrival times at the server jitter).
    class RecordingAgent extends Agent {
      readonly times: number[] = [];
      override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        this.times.push(Date.now());
        return super.dispatch(opts, handler);
      }
    }
    const agent = new RecordingAgent();
    const c = client(5_000, { minIntervalMs: { show: 60 }, dispatcher: agent });
    await Promise.all([1, 2, 3].map(() => c.request({ op: 'get', method: 'GET', path: '/s', endpoint: 'show' })));
    await c.request({ op: 'list', method: 'GET', path: '/other-endpoint' });
    const t = agent.times;
    expect(t.length).toBe(4);
    // The gate lets calls through 60 ms apart (min-interval-gate.test.ts proves that exactly); these are the times
    // the requests reached the connection pool a moment later, which a loaded machine can shift by a few ms.
    expect(t[1]! - t[0]!).toBeGreaterThanOrEqual(55);
    expect(t[2]! - t[1]!).toBeGreaterThanOrEqual(55);
    await agent.close();
  });

  it('keeps secrets out of errors and logs, including echoed keys and ?api_key= URLs', async () => {
    const err = await client()
      .request({ op: 'list', method: 'GET', path: '/echo-secret', query: { api_key: SECRET } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 401, retryable: false });
    const text = `${(err as Error).message}\n${(err as Error).stack}\n${JSON.stringify(err)}\n${lines.join('\n')}`;
    expect(text).toContain('authentication failed');
    expect(text).not.toContain(SECRET);
    expect((err as Error).message).toContain('api_key=***');
  });
});
