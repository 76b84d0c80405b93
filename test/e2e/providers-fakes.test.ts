// The provider fakes themselves, driven with plain fetch: wire formats, auth, strict paths, state transitions, faults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcpFake, gcpInstance, startGcpFake } from '../../controller/src/fake-world/gcp-fake';
import { startTensorDockV0Fake, type TdV0Fake, tdV0Instance } from '../fakes/tensordock-fake-v0';
import { startTensorDockV2Fake, type TdV2Fake, tdV2Instance } from '../../controller/src/fake-world/tensordock-fake-v2';
import { startVastFake, type VastFake, vastInstance } from '../../controller/src/fake-world/vast-fake';

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let v = await read();
  for (let i = 0; i < 200 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 20));
    v = await read();
  }
  return v;
}

describe('Vast fake', () => {
  let fake: VastFake;
  // A hand-moved clock: transitions happen when the test says, whatever the machine's load.
  const clock = { t: 1_000_000 };
  const auth = () => ({ authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' });
  beforeAll(async () => {
    fake = await startVastFake({ instances: [vastInstance({ id: 1 }), vastInstance({ id: 2 })], transitionMs: 100, now: () => clock.t });
  });
  afterAll(() => fake.close());

  it('stop goes through stopping (intended stopped, actual running) to exited', async () => {
    const put = await fetch(`${fake.url}/api/v0/instances/1/`, { method: 'PUT', headers: auth(), body: '{"state":"stopped"}' });
    expect(await json(put)).toEqual({ status: 200, body: { success: true } });
    const show = async () =>
      (await json(await fetch(`${fake.url}/api/v0/instances/1/?owner=me`, { headers: auth() }))).body['instances'] as Record<string, unknown>;
    expect(await show()).toMatchObject({ actual_status: 'running', intended_status: 'stopped' });
    clock.t += 99;
    expect(await show()).toMatchObject({ actual_status: 'running', intended_status: 'stopped' });
    clock.t += 1;
    expect(await show()).toMatchObject({ actual_status: 'exited', intended_status: 'stopped', cur_state: 'stopped' });
  });

  it("is strict about trailing slashes, bodies and keys, answering in Vast's error shape", async () => {
    expect((await fetch(`${fake.url}/api/v1/instances?limit=25`, { headers: auth() })).status).toBe(404);
    expect(await json(await fetch(`${fake.url}/api/v0/instances/2/`, { method: 'DELETE', headers: auth() }))).toMatchObject({
      status: 400,
      body: { success: false },
    });
    expect(await json(await fetch(`${fake.url}/api/v1/instances/`, { headers: { authorization: 'Bearer nope' } }))).toMatchObject({
      status: 401,
      body: { success: false, error: expect.any(String), msg: expect.any(String) },
    });
    expect(await json(await fetch(`${fake.url}/api/v0/instances/77/`, { method: 'DELETE', headers: auth(), body: '{}' }))).toMatchObject({
      status: 404,
      body: { error: 'not_found' },
    });
  });

  it('faults: plain-text 429 without Retry-After, then back to normal', async () => {
    fake.injectFault({ kind: '429-text', path: '/api/v1/instances/' });
    const r = await fetch(`${fake.url}/api/v1/instances/?limit=25`, { headers: auth() });
    expect([r.status, r.headers.get('retry-after'), await r.text()]).toEqual([429, null, expect.stringContaining('too frequent')]);
    expect((await fetch(`${fake.url}/api/v1/instances/?limit=25`, { headers: auth() })).status).toBe(200);
  });
});

describe('TensorDock fakes', () => {
  let v2: TdV2Fake;
  let v0: TdV0Fake;
  beforeAll(async () => {
    v2 = await startTensorDockV2Fake({ instances: [tdV2Instance({ id: '11111111-1111-4111-8111-111111111111' })], transitionMs: 50 });
    v0 = await startTensorDockV0Fake();
  });
  afterAll(async () => {
    await v2.close();
    await v0.close();
  });

  it('v2: stop answers "stopping", then the instance reads "stopped"; no trailing slash; 401 on a bad token', async () => {
    const h = { authorization: `Bearer ${v2.token}` };
    const id = '11111111-1111-4111-8111-111111111111';
    expect(await json(await fetch(`${v2.apiUrl}/instances/${id}/stop`, { method: 'POST', headers: h }))).toEqual({
      status: 200,
      body: { data: { type: 'instance', id, attributes: { status: 'stopping' } } },
    });
    const get = async () => (await json(await fetch(`${v2.apiUrl}/instances/${id}`, { headers: h }))).body['status'];
    expect(await until(get, (s) => s === 'stopped')).toBe('stopped');
    expect((await fetch(`${v2.apiUrl}/instances/`, { headers: h })).status).toBe(404);
    expect((await fetch(`${v2.apiUrl}/instances`, { headers: { authorization: 'Bearer x' } })).status).toBe(401);
  });

  it('v0: stop without disassociate_resources keeps the GPU billed (status "Stopped"); with it, "StoppedDisassociated"', async () => {
    const id = v0.add(tdV0Instance());
    const post = (path: string, extra: Record<string, string>) =>
      fetch(`${v0.apiUrl}${path}`, { method: 'POST', body: new URLSearchParams({ api_key: v0.apiKey, api_token: v0.apiToken, ...extra }) });
    await post('/client/stop/single', { server: id, disassociate_resources: 'false' });
    expect([v0.instances.get(id)?.status, v0.gpuStillBilled.has(id)]).toEqual(['Stopped', true]);
    await post('/client/stop/single', { server: id, disassociate_resources: 'true' });
    expect([v0.instances.get(id)?.status, v0.gpuStillBilled.has(id)]).toEqual(['StoppedDisassociated', false]);
    const list = await json(await post('/client/list', {}));
    expect(Object.keys(list.body['virtualmachines'] as object)).toContain(id);
    expect(await json(await post('/client/list', { api_token: 'wrong' }))).toMatchObject({ status: 401, body: { success: false } });
  });
});

describe('GCP fake', () => {
  const gcpClock = { t: 5_000_000 };
  let fake: GcpFake;
  let h: Record<string, string>;
  let base: string;
  beforeAll(async () => {
    fake = await startGcpFake({
      pageSize: 1,
      transitionMs: 80,
      now: () => gcpClock.t,
      instances: [gcpInstance({ name: 'x', zone: 'us-central1-a' }), gcpInstance({ name: 'y', zone: 'us-east1-b' })],
    });
    h = { authorization: `Bearer ${fake.accessToken}` };
    base = `${fake.url}/compute/v1/projects/${fake.project}`;
  });
  afterAll(() => fake.close());

  it('aggregated list pages with nextPageToken, items keyed by zones/<zone>', async () => {
    const p1 = await json(await fetch(`${base}/aggregated/instances?returnPartialSuccess=true`, { headers: h }));
    expect(Object.keys(p1.body['items'] as object)).toContain('zones/us-central1-a');
    expect(p1.body['nextPageToken']).toEqual(expect.any(String));
    const p2 = await json(await fetch(`${base}/aggregated/instances?pageToken=${p1.body['nextPageToken'] as string}`, { headers: h }));
    expect(p2.body['nextPageToken']).toBeUndefined();
    expect(((p2.body['items'] as Record<string, { instances?: { name: string }[] }>)['zones/us-east1-b']?.instances ?? []).map((i) => i.name)).toEqual(['y']);
  });

  it('stop returns a RUNNING operation; wait holds until DONE; the VM reads STOPPING then TERMINATED without its NAT IP', async () => {
    const op = await json(await fetch(`${base}/zones/us-central1-a/instances/x/stop`, { method: 'POST', headers: h, body: '""' }));
    expect(op.body).toMatchObject({ kind: 'compute#operation', status: 'RUNNING', operationType: 'stop' });
    const mid = await json(await fetch(`${base}/zones/us-central1-a/instances/x`, { headers: h }));
    expect(mid.body['status']).toBe('STOPPING');
    gcpClock.t += 80;
    const done = await json(
      await fetch(`${base}/zones/us-central1-a/operations/${op.body['name'] as string}/wait`, { method: 'POST', headers: h, body: '""' }),
    );
    expect(done.body['status']).toBe('DONE');
    const after = (await json(await fetch(`${base}/zones/us-central1-a/instances/x`, { headers: h }))).body;
    expect(after['status']).toBe('TERMINATED');
    expect(JSON.stringify(after['networkInterfaces'])).not.toContain('natIP');
  });

  it("answers Google's error shapes: 401 UNAUTHENTICATED, 404 notFound", async () => {
    expect(await json(await fetch(`${base}/aggregated/instances`, { headers: { authorization: 'Bearer bad' } }))).toMatchObject({
      status: 401,
      body: { error: { code: 401, status: 'UNAUTHENTICATED' } },
    });
    expect(await json(await fetch(`${base}/zones/us-central1-a/instances/nope`, { headers: h }))).toMatchObject({
      status: 404,
      body: { error: { errors: [{ reason: 'notFound' }] } },
    });
  });
});
