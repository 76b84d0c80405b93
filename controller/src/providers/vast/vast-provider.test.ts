import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeResponse, type FakeServer, startFakeServer } from '../../fake-world/fake-http';
import { startVastFake, type VastFake, vastInstance } from '../../fake-world/vast-fake';
import { ProviderError } from '../../domain/errors';
import type { Logger } from '../../log';
import { VAST_MIN_INTERVALS_MS, VastAiProvider } from './vast-provider';

const FAST = { minIntervalMs: { list: 0, show: 0, put: 0, destroy: 0 }, retry: { maxRetries: 1, baseDelayMs: 1 }, timeoutMs: 5_000 };

describe('VastAiProvider construction', () => {
  it('takes a bare key with the public URL and documented intervals by default', () => {
    const p = new VastAiProvider('key-1234');
    expect(p.name).toBe('vast');
    expect(p.apiUrl).toBe('https://console.vast.ai');
    expect(VAST_MIN_INTERVALS_MS).toEqual({ list: 1000, show: 2000, put: 1000, destroy: 3000 });
    expect(p.capabilities).toMatchObject({ canPause: true, canDelete: true, resumeMayLoseGpu: true });
    expect(new VastAiProvider({ apiKey: 'k-1234', apiUrl: 'http://127.0.0.1:9/' }).apiUrl).toBe('http://127.0.0.1:9');
    expect(() => new VastAiProvider('')).toThrow(TypeError);
  });

  it('rejects ids that are not Vast ids without calling the API', async () => {
    const p = new VastAiProvider('key-1234', { apiUrl: 'http://127.0.0.1:1' });
    await expect(p.pause('../../etc')).rejects.toMatchObject({ op: 'pause', retryable: false });
    await expect(p.get('vast:abc')).rejects.toBeInstanceOf(ProviderError);
  });
});

describe('VastAiProvider against the fake', () => {
  let fake: VastFake;
  let p: VastAiProvider;
  beforeAll(async () => {
    fake = await startVastFake({ instances: Array.from({ length: 60 }, (_, i) => vastInstance({ id: 1000 + i })) });
    p = new VastAiProvider({ apiKey: fake.apiKey, apiUrl: fake.url }, FAST);
  });
  afterAll(() => fake.close());

  it('follows next_token across every page of at most 25', async () => {
    fake.clearRequests();
    const all = await p.list();
    expect(all.map((i) => i.providerId)).toEqual(Array.from({ length: 60 }, (_, i) => String(1000 + i)));
    expect(fake.requests.map((r) => r.query['limit'])).toEqual(['25', '25', '25']);
  });

  it('resume of an instance whose GPU was rented meanwhile resolves and reads as starting', async () => {
    const id = 1001;
    await p.pause(String(id));
    fake.rentedByOthers.add(id);
    await p.resume(String(id));
    expect((await p.get(String(id)))?.state).toBe('starting');
    expect((await p.get(String(id)))?.rawState).toContain('scheduling');
  });

  it('accepts the legacy ?api_key= form on the fake, as the real API does', async () => {
    const res = await fetch(`${fake.url}/api/v0/instances/1002/?owner=me&api_key=${fake.apiKey}`);
    expect(((await res.json()) as { instances: { id: number } }).instances.id).toBe(1002);
  });
});

describe('VastAiProvider with odd answers', () => {
  let server: FakeServer;
  let answer: (path: string, method: string) => FakeResponse;
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m) };
  const provider = () => new VastAiProvider({ apiKey: 'k-odd-1234', apiUrl: server.url }, { ...FAST, logger });
  beforeAll(async () => {
    server = await startFakeServer({ handler: (r) => answer(r.path, r.method) });
  });
  afterAll(() => server.close());

  it('skips an instance without an id and reads a garbled one as unknown, never stopped', async () => {
    answer = () => ({
      status: 200,
      json: { success: true, instances: [{ label: 'no id' }, { id: 9, actual_status: ['x'], intended_status: 7 }], next_token: null },
    });
    const all = await provider().list();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ providerId: '9', state: 'unknown' });
    expect(warnings.some((w) => w.includes('without a numeric id'))).toBe(true);
  });

  it('a list envelope without instances, or a repeating next_token, is a ProviderError', async () => {
    answer = () => ({ status: 200, json: { success: true, results: [] } });
    await expect(provider().list()).rejects.toMatchObject({ op: 'list', retryable: false });
    answer = () => ({ status: 200, json: { success: true, instances: [], next_token: 'same' } });
    await expect(provider().list()).rejects.toThrow(/next_token repeats/);
  });

  it("a 404 with Vast's no_such_instance code is gone; any other 404 (wrong route or base URL) is an error", async () => {
    answer = () => ({ status: 404, json: { success: false, error: 'no_such_instance' } });
    expect(await provider().get('5')).toBeNull();
    answer = () => ({ status: 404, text: '<html>Not Found</html>', headers: { 'content-type': 'text/html' } });
    await expect(provider().get('5')).rejects.toThrow(/wrong VAST_API_URL/);
    answer = () => ({ status: 404, json: { detail: 'Not Found' } });
    await expect(provider().get('5')).rejects.toMatchObject({ status: 404, retryable: false });
  });

  it('an instance shown as destroyed (cur_state "unloaded") is gone: get() answers null, as for the other providers', async () => {
    answer = () => ({ status: 200, json: { instances: { id: 5, actual_status: 'exited', intended_status: 'stopped', cur_state: 'unloaded' } } });
    expect(await provider().get('5')).toBeNull();
    answer = () => ({ status: 200, json: { instances: { id: 5, actual_status: 'exited', intended_status: 'stopped', cur_state: 'stopped' } } });
    expect((await provider().get('5'))?.state).toBe('stopped');
  });

  it('an HTTP 200 {"success":false} on PUT is a non-retryable ProviderError', async () => {
    answer = (_p, method) =>
      method === 'PUT' ? { status: 200, json: { success: false, error: 'missing_billing', msg: 'add credit' } } : { status: 200, json: { instances: null } };
    await expect(provider().pause('5')).rejects.toMatchObject({ op: 'pause', retryable: false, message: expect.stringContaining('missing_billing') });
  });

  it('delete of an instance that is already gone resolves (404 not_found)', async () => {
    answer = () => ({ status: 404, json: { success: false, error: 'not_found', msg: 'Instance 5 not found' } });
    await expect(provider().delete('5')).resolves.toBeUndefined();
    // Any other 404 (wrong base URL, an HTML page) is not "already gone": the delete is an error, never done unseen.
    answer = () => ({ status: 404, text: '<html>Not Found</html>', headers: { 'content-type': 'text/html' } });
    await expect(provider().delete('5')).rejects.toMatchObject({ op: 'delete', status: 404, retryable: false });
  });

  it('pause of an instance that is gone is an error, not a silent success', async () => {
    answer = () => ({ status: 404, json: { success: false, error: 'no_such_instance', msg: 'Instance 5 not found.' } });
    await expect(provider().pause('5')).rejects.toMatchObject({ op: 'pause', status: 404, retryable: false });
  });
});
