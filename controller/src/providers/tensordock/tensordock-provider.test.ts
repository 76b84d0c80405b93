import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeResponse, type FakeServer, startFakeServer } from '../../fake-world/fake-http';
import { startTensorDockV0Fake, type TdV0Fake, tdV0Instance } from '../../../../test/fakes/tensordock-fake-v0';
import { startTensorDockV2Fake, type TdV2Fake, tdV2Instance } from '../../fake-world/tensordock-fake-v2';
import { TENSORDOCK_V0_URL, TENSORDOCK_V2_URL, TensorDockProvider } from './tensordock-provider';

const FAST = { minIntervalMs: 0, retry: { maxRetries: 1, baseDelayMs: 1 }, timeoutMs: 5_000 };

describe('TensorDockProvider construction', () => {
  it('a token alone selects v2; key + token select v0; config.version wins', () => {
    expect(new TensorDockProvider('tok-1234')).toMatchObject({ version: 'v2', apiUrl: TENSORDOCK_V2_URL, name: 'tensordock' });
    expect(new TensorDockProvider({ apiKey: 'key-1234', apiToken: 'tok-1234' })).toMatchObject({ version: 'v0', apiUrl: TENSORDOCK_V0_URL });
    const fromConfig = new TensorDockProvider({ version: 'v2', apiKey: null, apiToken: 'tok-1234', apiUrl: 'http://127.0.0.1:9/api/v2' });
    expect(fromConfig).toMatchObject({ version: 'v2', apiUrl: 'http://127.0.0.1:9/api/v2' });
    expect(() => new TensorDockProvider('')).toThrow(TypeError);
    expect(() => new TensorDockProvider({ version: 'v0', apiToken: 'tok-1234' })).toThrow(/v0 needs/);
  });

  it('v0 pause says it releases the GPU', () => {
    expect(new TensorDockProvider({ apiKey: 'key-1234', apiToken: 'tok-1234' }).capabilities.pauseMeans).toContain('disassociate_resources=true');
  });
});

describe('TensorDock v2 against the fake', () => {
  let fake: TdV2Fake;
  let p: TensorDockProvider;
  beforeAll(async () => {
    fake = await startTensorDockV2Fake({ instances: [tdV2Instance({ name: 'a' }), tdV2Instance({ name: 'b', status: 'stopped_disassociated' })] });
    p = new TensorDockProvider(fake.token, { ...FAST, apiUrl: fake.apiUrl });
  });
  afterAll(() => fake.close());

  it.each(['data-array', 'data-instances', 'jsonapi'] as const)('lists the same instances from the %s shape', async (shape) => {
    fake.listShape = shape;
    const all = await p.list();
    expect(all.map((i) => [i.name, i.state, i.numGpus, i.pricePerHour])).toEqual([
      ['a', 'running', 1, 0.272999],
      ['b', 'stopped', 1, 0.272999],
    ]);
  });

  it('an error inside a 200 list body is a ProviderError with the body status', async () => {
    fake.injectFault({ kind: 'error-200', method: 'GET', path: '/api/v2/instances' });
    await expect(p.list()).rejects.toMatchObject({ op: 'list', status: 400, retryable: false, message: expect.stringContaining('Hostnode unavailable') });
  });
});

describe('TensorDock v0 against the fake', () => {
  let fake: TdV0Fake;
  let p: TensorDockProvider;
  let id: string;
  beforeAll(async () => {
    fake = await startTensorDockV0Fake();
    id = fake.add(tdV0Instance({ name: 'v0-box' }));
    p = new TensorDockProvider({ apiKey: fake.apiKey, apiToken: fake.apiToken }, { ...FAST, apiUrl: fake.apiUrl });
  });
  afterAll(() => fake.close());

  it('pause releases the GPU (disassociate_resources=true), so GPU billing really stops', async () => {
    await p.pause(id);
    expect(fake.instances.get(id)?.status).toBe('StoppedDisassociated');
    expect(fake.gpuStillBilled.has(id)).toBe(false);
    expect((await p.get(id))?.state).toBe('stopped');
  });

  it('delete twice: the second answers "already terminated", which is success', async () => {
    await p.delete(id);
    await expect(p.delete(id)).resolves.toBeUndefined();
    expect(fake.requests.at(-1)?.path).toBe('/api/v0/client/delete/single');
    expect(await p.get(id)).toBeNull();
  });
});

describe('TensorDock with odd answers', () => {
  let server: FakeServer;
  let answer: (path: string) => FakeResponse;
  const v2 = () => new TensorDockProvider('tok-odd-1234', { ...FAST, apiUrl: `${server.url}/api/v2` });
  const v0 = () => new TensorDockProvider({ apiKey: 'key-odd-1234', apiToken: 'tok-odd-1234' }, { ...FAST, apiUrl: `${server.url}/api/v0` });
  const ID = '00000000-0000-4000-8000-000000000001';
  beforeAll(async () => {
    server = await startFakeServer({ handler: (r) => answer(r.path) });
  });
  afterAll(() => server.close());

  it('v2: an unknown list shape, a garbled body and an HTML page are ProviderErrors', async () => {
    answer = () => ({ status: 200, json: { data: { things: [] } } });
    await expect(v2().list()).rejects.toThrow(/documented shapes/);
    answer = () => ({ status: 200, text: '{"data": [' });
    await expect(v2().list()).rejects.toThrow(/not JSON/);
  });

  it('v2: a deleted instance, a 404 and an in-body 404 all read as gone', async () => {
    answer = () => ({ status: 200, json: { type: 'virtualmachine', id: ID, name: 'x', status: 'deleted' } });
    expect(await v2().get(ID)).toBeNull();
    answer = () => ({ status: 404, json: { error: 'Not found' } });
    expect(await v2().get(ID)).toBeNull();
    answer = () => ({ status: 200, json: { error: 'Instance not found', status: 404 } });
    expect(await v2().get(ID)).toBeNull();
    await expect(v2().delete(ID)).resolves.toBeUndefined();
  });

  it('v2: an instance with a garbled status reads as unknown, never stopped', async () => {
    answer = () => ({ status: 200, json: { data: [{ id: ID, name: 'weird', status: 'Sideways' }, { name: 'no id' }] } });
    const all = await v2().list();
    expect(all.map((i) => [i.providerId, i.state])).toEqual([[ID, 'unknown']]);
  });

  it('v0: {"success":false} with HTTP 200 or 4xx is a ProviderError naming the error', async () => {
    answer = () => ({ status: 200, json: { success: false, error: 'Insufficient funds' } });
    await expect(v0().resume(ID)).rejects.toMatchObject({ op: 'resume', retryable: false, message: expect.stringContaining('Insufficient funds') });
    answer = () => ({ status: 400, json: { success: false, error: 'Hostnode unavailable' } });
    await expect(v0().pause(ID)).rejects.toMatchObject({ op: 'pause', status: 400 });
    answer = () => ({ status: 200, json: { success: false, error: 'Invalid API key' } });
    await expect(v0().list()).rejects.toThrow(/Invalid API key/);
  });

  it('v0: a rejected key comes back as HTTP 401 without leaking the form body', async () => {
    answer = () => ({ status: 401, json: { success: false, error: 'bad credentials api_key=key-odd-1234&api_token=tok-odd-1234' } });
    const err = (await v0()
      .list()
      .catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ status: 401, retryable: false });
    expect(err.message).not.toContain('key-odd-1234');
    expect(err.message).not.toContain('tok-odd-1234');
  });
});
