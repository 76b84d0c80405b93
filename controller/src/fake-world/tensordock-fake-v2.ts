// A fake TensorDock v2 API (dashboard.tensordock.com/api/v2) per docs/providers.md: Bearer auth, JSON, no trailing slashes.
//
//   const fake = await startTensorDockV2Fake({ instances: [tdV2Instance({ name: 'a' }), tdV2Instance({ status: 'StoppedDisassociated' })] });
//   new TensorDockProvider(fake.token, { apiUrl: fake.apiUrl, minIntervalMs: 0 });
//   fake.listShape = 'jsonapi';        // 'data-array' (live API, default) | 'data-instances' | 'jsonapi' (the docs' forms)
//   fake.injectFault({ kind: 'error-200', method: 'POST' });   // HTTP 200 {"error":"Hostnode unavailable","status":400}
// Routes under /api/v2: GET /instances, GET /instances/{id} (flat object), POST /instances/{id}/start|stop,
// DELETE /instances/{id}. Unknown id: HTTP 404. Wrong token: HTTP 401. Paths with a trailing slash: 404.
// Stop: "stopping" -> "stopped" after transitionMs; start: "starting" -> "running"; delete removes the instance.
import { randomUUID } from 'node:crypto';
import { bearerOf, type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer, Transitions } from './fake-http';

export type TdV2RawInstance = Record<string, unknown> & { id: string; status: string };
export type TdV2ListShape = 'data-array' | 'data-instances' | 'jsonapi';

export interface TdV2Seed {
  id?: string;
  name?: string;
  /** Any TensorDock spelling: running, stopped, Stopped, StoppedDisassociated, stopped_disassociated, ... */
  status?: string;
  gpuName?: string;
  gpuCount?: number;
  rateHourly?: number;
  sshPort?: number;
  raw?: Record<string, unknown>;
}

/** A realistic v2 instance object (flat form, as GET /instances/{id} and the live list return it). */
export function tdV2Instance(seed: TdV2Seed = {}): TdV2RawInstance {
  const id = seed.id ?? randomUUID();
  return {
    type: 'virtualmachine',
    id,
    name: seed.name ?? `td-${id.slice(0, 8)}`,
    status: seed.status ?? 'running',
    ipAddress: '174.94.145.71',
    portForwards: [
      { internal_port: 22, external_port: seed.sshPort ?? 20456 },
      { internal_port: 8888, external_port: 20457 },
    ],
    rateHourly: seed.rateHourly ?? 0.272999,
    resources: { vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: [{ gpuV0Name: seed.gpuName ?? 'geforcertx4090-pcie-24gb', count: seed.gpuCount ?? 1 }] },
    location_id: 'loc-us-east-1',
    ...(seed.raw ?? {}),
  };
}

export interface TdV2FakeOptions {
  token?: string;
  instances?: TdV2RawInstance[];
  listShape?: TdV2ListShape;
  transitionMs?: number;
  now?: () => number;
  latencyMs?: number;
}

export interface TdV2Fake extends FakeServer {
  token: string;
  /** `${url}/api/v2`: what TENSORDOCK_API_URL would be. */
  apiUrl: string;
  instances: Map<string, TdV2RawInstance>;
  listShape: TdV2ListShape;
  add(inst: TdV2RawInstance): void;
}

export async function startTensorDockV2Fake(opts: TdV2FakeOptions = {}): Promise<TdV2Fake> {
  const token = opts.token ?? 'td-v2-test-token-abcdef123456';
  const transitionMs = opts.transitionMs ?? 0;
  const instances = new Map<string, TdV2RawInstance>();
  for (const i of opts.instances ?? []) instances.set(i.id, i);
  const transitions = new Transitions(opts.now ?? Date.now);
  const generation = new Map<string, number>();
  const bump = (id: string) => {
    const g = (generation.get(id) ?? 0) + 1;
    generation.set(id, g);
    return () => generation.get(id) === g && instances.has(id);
  };
  let fake!: TdV2Fake;

  const listBody = (all: TdV2RawInstance[]) => {
    if (fake.listShape === 'data-instances') return { data: { instances: all } };
    if (fake.listShape === 'jsonapi') {
      const items = all.map(({ id, type, ...attributes }) => ({ type: type ?? 'virtualmachine', id, attributes }));
      return { data: { type: 'list', id: 'instances', attributes: { instances: items } } };
    }
    return { data: all };
  };
  const envelope = (id: string, status: string) => ({ data: { type: 'instance', id, attributes: { status } } });
  const notFound: FakeResponse = { status: 404, json: { error: 'Instance not found', status: 404 } };

  const handler = (r: RecordedRequest): FakeResponse => {
    transitions.settle();
    if (bearerOf(r) !== token) return { status: 401, json: { error: 'Unauthorized', status: 401 } };
    const path = r.path.replace(/^\/api\/v2/, '');
    if (r.method === 'GET' && path === '/instances') return { status: 200, json: listBody([...instances.values()]) };
    const m = /^\/instances\/([A-Za-z0-9-]+)(?:\/(start|stop))?$/.exec(path);
    if (!m || !r.path.startsWith('/api/v2/')) return { status: 404, json: { error: 'Not found', status: 404 } };
    const id = m[1]!;
    const inst = instances.get(id);
    if (!inst) return notFound;
    if (r.method === 'GET' && !m[2]) return { status: 200, json: inst };
    if (r.method === 'DELETE' && !m[2]) {
      bump(id);
      instances.delete(id);
      return { status: 200, json: { data: { type: 'success', attributes: { message: 'Instance deleted successfully' } } } };
    }
    if (r.method === 'POST' && m[2] === 'stop') {
      const current = bump(id);
      inst.status = 'stopping';
      transitions.later(transitionMs, () => current() && (inst.status = 'stopped'));
      return { status: 200, json: envelope(id, 'stopping') };
    }
    if (r.method === 'POST' && m[2] === 'start') {
      const current = bump(id);
      inst.status = 'starting';
      transitions.later(transitionMs, () => current() && (inst.status = 'running'));
      return { status: 200, json: envelope(id, 'starting') };
    }
    return { status: 405, json: { error: 'Method not allowed', status: 405 } };
  };

  const server = await startFakeServer({
    handler,
    latencyMs: opts.latencyMs,
    faultResponse: (kind) => {
      if (kind === 'error-200') return { status: 200, json: { error: 'Hostnode unavailable', status: 400 } };
      if (kind === '429-json') return { status: 429, json: { error: 'Too many requests', status: 429 } };
      if (kind === '500') return { status: 500, json: { error: 'Internal server error', status: 500 } };
      if (kind === 'garbled') return { status: 200, text: '{"data": [{"id": "468b', headers: { 'content-type': 'application/json' } };
      return undefined;
    },
  });
  fake = { ...server, token, apiUrl: `${server.url}/api/v2`, instances, listShape: opts.listShape ?? 'data-array', add: (i) => void instances.set(i.id, i) };
  return fake;
}
