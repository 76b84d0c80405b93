// A fake Vast.ai API (console.vast.ai) speaking the wire format of docs/providers.md, with state, auth, recording and faults.
//
//   const fake = await startVastFake({ instances: [vastInstance({ id: 101 }), vastInstance({ id: 102, state: 'stopped' })] });
//   new VastAiProvider({ apiKey: fake.apiKey, apiUrl: fake.url }, { minIntervalMs: { list: 0, show: 0, put: 0, destroy: 0 } });
//   fake.instances.get(101)!.gpu_util = 97;          // raw objects, mutate freely
//   fake.injectFault({ kind: '429-text', method: 'PUT' });
//   fake.requests                                    // everything the client sent
//   await fake.close();
// Routes (trailing slashes exactly as Vast documents; a path without one is a 404):
//   GET /api/v1/instances/?limit=N[&after_token=T]   paginated list, at most 25 a page, next_token until null
//   GET /api/v0/instances/?owner=me                   legacy list
//   GET /api/v0/instances/{id}/?owner=me             {"instances": {...}} or {"instances": null} when gone
//   PUT /api/v0/instances/{id}/ {"state":"stopped"|"running"} or {"label":"..."}
//   DELETE /api/v0/instances/{id}/ {}                 404 {"success":false,"error":"not_found"} when gone
// Auth: `Authorization: Bearer <key>` or `?api_key=<key>`; anything else is 401.
// Stop: intended_status "stopped" at once, actual_status running -> exited after transitionMs (cur_state stopped).
// Start: intended "running", actual exited -> loading -> running; an id in `rentedByOthers` stays "scheduling".
import { bearerOf, type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer, Transitions } from './fake-http';

export type VastRawInstance = Record<string, unknown> & { id: number };

export interface VastSeed {
  id?: number;
  /** Shortcut for the three status fields. */
  state?: 'running' | 'stopped' | 'loading' | 'offline';
  label?: string | null;
  gpuName?: string;
  numGpus?: number;
  gpuUtil?: number;
  dphTotal?: number;
  /** Epoch seconds. */
  startDate?: number;
  /** Any raw field, applied last. */
  raw?: Record<string, unknown>;
}

let nextId = 7_000_001;

/** A realistic Vast.ai instance object (the docs' example, made consistent), for seeding the fake or unit tests. */
export function vastInstance(seed: VastSeed = {}): VastRawInstance {
  const id = seed.id ?? nextId++;
  const state = seed.state ?? 'running';
  const status =
    state === 'running'
      ? { actual_status: 'running', intended_status: 'running', cur_state: 'running', next_state: 'running' }
      : state === 'stopped'
        ? { actual_status: 'exited', intended_status: 'stopped', cur_state: 'stopped', next_state: 'stopped' }
        : state === 'loading'
          ? { actual_status: 'loading', intended_status: 'running', cur_state: 'running', next_state: 'running' }
          : { actual_status: 'offline', intended_status: 'running', cur_state: 'running', next_state: 'running' };
  const running = state === 'running';
  const dphBase = seed.dphTotal !== undefined ? Math.max(0, seed.dphTotal - 0.0021) : 0.8;
  return {
    id,
    machine_id: 1000 + (id % 997),
    ...status,
    status_msg: running ? 'success, running pytorch/pytorch_latest/jupyter' : state === 'stopped' ? 'Exited (0)' : null,
    label: seed.label === undefined ? `job-${id}` : seed.label,
    gpu_name: seed.gpuName ?? 'RTX 4090',
    num_gpus: seed.numGpus ?? 1,
    gpu_util: running ? (seed.gpuUtil ?? 0.0) : null,
    gpu_temp: running ? 38.99 : null,
    vmem_usage: running ? 0.54 : null,
    gpu_totalram: 24576,
    public_ipaddr: '192.0.2.45',
    ssh_host: `ssh${id % 10}.vast.ai`,
    ssh_port: 10000 + (id % 50000),
    ...(running ? { ports: { '22/tcp': [{ HostIp: '0.0.0.0', HostPort: String(20000 + (id % 40000)) }] } } : {}),
    start_date: seed.startDate ?? 1_668_804_745.1223178,
    dph_base: dphBase,
    dph_total: seed.dphTotal ?? 0.8021,
    storage_cost: 0.15,
    storage_total_cost: 0.0021,
    extra_env: [['K', 'V']],
    ...(seed.raw ?? {}),
  };
}

export interface VastFakeOptions {
  apiKey?: string;
  instances?: VastRawInstance[];
  /** Largest page the v1 list serves (Vast: 25). */
  maxPageSize?: number;
  /** How long stop/start take to complete (ms); 0 = at the next request. */
  transitionMs?: number;
  now?: () => number;
  latencyMs?: number;
}

export interface VastFake extends FakeServer {
  apiKey: string;
  instances: Map<number, VastRawInstance>;
  /** Ids whose GPU was rented meanwhile: start leaves them "scheduling". */
  rentedByOthers: Set<number>;
  add(inst: VastRawInstance): void;
}

export async function startVastFake(opts: VastFakeOptions = {}): Promise<VastFake> {
  const apiKey = opts.apiKey ?? 'vast-test-key-0123456789';
  const maxPage = opts.maxPageSize ?? 25;
  const transitionMs = opts.transitionMs ?? 0;
  const instances = new Map<number, VastRawInstance>();
  for (const i of opts.instances ?? []) instances.set(i.id, i);
  const rentedByOthers = new Set<number>();
  const transitions = new Transitions(opts.now ?? Date.now);
  const generation = new Map<number, number>();

  const err = (status: number, error: string, msg: string): FakeResponse => ({ status, json: { success: false, error, msg } });
  const bump = (id: number) => {
    const g = (generation.get(id) ?? 0) + 1;
    generation.set(id, g);
    return () => generation.get(id) === g && instances.has(id);
  };

  const stop = (inst: VastRawInstance) => {
    const current = bump(inst.id);
    inst['intended_status'] = 'stopped';
    inst['next_state'] = 'stopped';
    transitions.later(transitionMs, () => {
      if (!current()) return;
      Object.assign(inst, { actual_status: 'exited', cur_state: 'stopped', status_msg: 'Exited (0)', gpu_util: null });
      delete inst['ports'];
    });
  };
  const start = (inst: VastRawInstance) => {
    const current = bump(inst.id);
    Object.assign(inst, { intended_status: 'running', next_state: 'running' });
    if (rentedByOthers.has(inst.id)) {
      Object.assign(inst, { actual_status: 'scheduling', status_msg: 'waiting for the GPU to become available' });
      return;
    }
    Object.assign(inst, { actual_status: 'loading', cur_state: 'running' });
    transitions.later(transitionMs, () => {
      if (!current()) return;
      Object.assign(inst, { actual_status: 'running', status_msg: 'success, running', gpu_util: 0 });
      inst['ports'] = { '22/tcp': [{ HostIp: '0.0.0.0', HostPort: String(20000 + (inst.id % 40000)) }] };
    });
  };

  const handler = (r: RecordedRequest): FakeResponse => {
    transitions.settle();
    if (bearerOf(r) !== apiKey && r.query['api_key'] !== apiKey) return err(401, 'invalid_user_key', 'Invalid user key');
    const all = [...instances.values()].sort((a, b) => a.id - b.id);
    if (r.method === 'GET' && r.path === '/api/v1/instances/') {
      const limit = Math.min(maxPage, Math.max(1, Number(r.query['limit'] ?? maxPage) || maxPage));
      const after = r.query['after_token'];
      let start = 0;
      if (after !== undefined) {
        const decoded = Number(Buffer.from(after, 'base64url').toString('utf8'));
        if (!Number.isInteger(decoded) || decoded < 0) return err(400, 'invalid_args', 'bad after_token');
        start = all.findIndex((i) => i.id > decoded);
        if (start < 0) start = all.length;
      }
      const page = all.slice(start, start + limit);
      const more = start + limit < all.length;
      const last = page[page.length - 1];
      const next_token = more && last ? Buffer.from(String(last.id)).toString('base64url') : null;
      return { status: 200, json: { success: true, instances_found: page.length, total_instances: all.length, next_token, instances: page } };
    }
    if (r.method === 'GET' && r.path === '/api/v0/instances/') return { status: 200, json: { instances_found: all.length, instances: all } };
    const m = /^\/api\/v0\/instances\/(\d+)\/$/.exec(r.path);
    if (!m) return { status: 404, json: { detail: 'Not Found' } };
    const id = Number(m[1]);
    const inst = instances.get(id);
    if (r.method === 'GET') return { status: 200, json: { instances: inst ?? null } };
    // PUT and DELETE always carry a JSON body (`{}` when empty).
    if (r.json === undefined || typeof r.json !== 'object' || r.json === null) return err(400, 'invalid_args', 'request body must be a JSON object');
    const body = r.json as Record<string, unknown>;
    if (r.method === 'DELETE') {
      if (!inst) return err(404, 'not_found', `Instance ${id} not found`);
      bump(id);
      instances.delete(id);
      return { status: 200, json: { success: true } };
    }
    if (r.method === 'PUT') {
      if (!inst) return err(404, 'no_such_instance', `Instance ${id} not found.`);
      if (typeof body['label'] === 'string') {
        inst['label'] = body['label'];
        return { status: 200, json: { success: true, msg: 'label updated' } };
      }
      if (body['state'] === 'stopped') stop(inst);
      else if (body['state'] === 'running') start(inst);
      else return err(400, 'invalid_args', 'state must be running or stopped');
      return { status: 200, json: { success: true } };
    }
    return { status: 405, json: { detail: 'Method Not Allowed' } };
  };

  const server = await startFakeServer({
    handler,
    latencyMs: opts.latencyMs,
    faultResponse: (kind) => {
      if (kind === '429-text') return { status: 429, text: 'API requests too frequent: endpoint threshold=1.0s', headers: { 'content-type': 'text/plain' } };
      if (kind === '429-json') return { status: 429, json: { success: false, error: 'rate_limit_exceeded', msg: 'API requests too frequent' } };
      if (kind === '500') return { status: 500, json: { success: false, error: 'server_error', msg: 'Internal Server Error' } };
      return undefined;
    },
  });
  return { ...server, apiKey, instances, rentedByOthers, add: (i) => void instances.set(i.id, i) };
}
