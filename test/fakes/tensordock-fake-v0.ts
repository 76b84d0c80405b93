// A fake TensorDock v0 Marketplace API per docs/providers.md: form-encoded POSTs with api_key + api_token, VMs keyed by id.
//
//   const fake = await startTensorDockV0Fake({ instances: [tdV0Instance({ status: 'Running' })] });
//   new TensorDockProvider({ apiKey: fake.apiKey, apiToken: fake.apiToken }, { apiUrl: fake.apiUrl, minIntervalMs: 0 });
//   fake.injectFault({ kind: 'error-200', path: '/api/v0/client/stop/single' });   // 200 {"success":false,"error":...}
// Routes under /api/v0 (all POST): /client/list, /client/get/single, /client/stop/single (server,
// disassociate_resources), /client/start/single, /client/delete/single. Wrong key or token: 401 {"success":false}.
// Unknown server on get: 200 {"success":false,"error":"... not found"}; deleting a deleted VM: 400 "... already terminated".
// Stop with disassociate_resources=true -> "StoppedDisassociated" (GPU released); without -> "Stopped" (GPU kept and billed,
// recorded in `gpuStillBilled`); start -> "Running".
import { randomUUID } from 'node:crypto';
import { type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer } from '../../controller/src/fake-world/fake-http';

export type TdV0RawVm = Record<string, unknown> & { status: string };

export interface TdV0Seed {
  name?: string;
  /** Running, Stopped, StoppedDisassociated, Outbid (v0 spelling). */
  status?: string;
  gpuType?: string;
  gpuAmount?: number;
  cost?: number;
  sshPort?: number;
  raw?: Record<string, unknown>;
}

/** A realistic v0 VM object (docs/providers.md); v0 objects carry no id, the list key is the id. */
export function tdV0Instance(seed: TdV0Seed = {}): TdV0RawVm {
  return {
    cost: seed.cost ?? 0.238,
    name: seed.name ?? 'td-v0-vm',
    status: seed.status ?? 'Running',
    specs: { gpu: { amount: seed.gpuAmount ?? 1, type: seed.gpuType ?? 'rtxa4000-pcie-16gb' }, ram: 32, vcpus: 8, storage: 100 },
    port_forwards: { [String(seed.sshPort ?? 30118)]: '22', '30119': '8888' },
    ip_address: '203.0.113.17',
    timestamp_creation: 'Sat, 10 Dec 2022 21:38:19 GMT',
    type: 'spot',
    ...(seed.raw ?? {}),
  };
}

export interface TdV0FakeOptions {
  apiKey?: string;
  apiToken?: string;
  /** Seed VMs; ids are generated UUIDs unless given as [id, vm] pairs. */
  instances?: (TdV0RawVm | [string, TdV0RawVm])[];
  latencyMs?: number;
}

export interface TdV0Fake extends FakeServer {
  apiKey: string;
  apiToken: string;
  /** `${url}/api/v0`: what TENSORDOCK_API_URL would be. */
  apiUrl: string;
  instances: Map<string, TdV0RawVm>;
  /** Ids stopped without disassociate_resources=true: their GPU stays reserved and billed. */
  gpuStillBilled: Set<string>;
  /** Adds a VM and returns its id. */
  add(vm: TdV0RawVm, id?: string): string;
}

export async function startTensorDockV0Fake(opts: TdV0FakeOptions = {}): Promise<TdV0Fake> {
  const apiKey = opts.apiKey ?? 'td-v0-key-0123456789';
  const apiToken = opts.apiToken ?? 'td-v0-token-abcdefabcdef';
  const instances = new Map<string, TdV0RawVm>();
  const terminated = new Set<string>();
  const gpuStillBilled = new Set<string>();
  const add = (vm: TdV0RawVm, id: string = randomUUID()) => {
    instances.set(id, vm);
    return id;
  };
  for (const entry of opts.instances ?? []) {
    if (Array.isArray(entry)) add(entry[1], entry[0]);
    else add(entry);
  }

  const fail = (status: number, error: string): FakeResponse => ({ status, json: { success: false, error } });

  const handler = (r: RecordedRequest): FakeResponse => {
    if (r.method !== 'POST' || !r.path.startsWith('/api/v0/')) return fail(404, 'Not found');
    const f = r.form;
    if (!f) return fail(400, 'Expected a form-encoded body');
    if (f['api_key'] !== apiKey || f['api_token'] !== apiToken) return fail(401, 'Invalid API key or API token');
    const path = r.path.slice('/api/v0'.length);
    if (path === '/client/list') return { status: 200, json: { success: true, virtualmachines: Object.fromEntries(instances) } };
    const server = f['server'];
    if (!server) return fail(400, 'Missing server parameter');
    const vm = instances.get(server);
    switch (path) {
      case '/client/get/single':
        return vm ? { status: 200, json: { success: true, virtualmachine: vm } } : fail(200, `Server ${server} not found`);
      case '/client/delete/single':
        if (terminated.has(server)) return fail(400, 'This server is already terminated');
        if (!vm) return fail(404, `Server ${server} not found`);
        instances.delete(server);
        terminated.add(server);
        return { status: 200, json: { success: true } };
      case '/client/stop/single': {
        if (!vm) return fail(404, `Server ${server} not found`);
        const release = f['disassociate_resources'] === 'true';
        vm.status = release ? 'StoppedDisassociated' : 'Stopped';
        if (release) gpuStillBilled.delete(server);
        else gpuStillBilled.add(server);
        return { status: 200, json: { success: true } };
      }
      case '/client/start/single':
        if (!vm) return fail(404, `Server ${server} not found`);
        vm.status = 'Running';
        gpuStillBilled.delete(server);
        return { status: 200, json: { success: true } };
      default:
        return fail(404, 'Not found');
    }
  };

  const server = await startFakeServer({
    handler,
    latencyMs: opts.latencyMs,
    faultResponse: (kind) => {
      if (kind === 'error-200') return { status: 200, json: { success: false, error: 'Hostnode unavailable, please try again later' } };
      if (kind === '429-json') return { status: 429, json: { success: false, error: 'Rate limit exceeded' } };
      if (kind === '500') return { status: 500, json: { success: false, error: 'Internal server error' } };
      if (kind === 'garbled') return { status: 200, text: '<html>upstream error</html>', headers: { 'content-type': 'text/html' } };
      return undefined;
    },
  });
  return { ...server, apiKey, apiToken, apiUrl: `${server.url}/api/v0`, instances, gpuStillBilled, add };
}
