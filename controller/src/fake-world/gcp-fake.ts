// A fake Compute Engine REST API (/compute/v1/projects/{project}/...) that the real @google-cloud/compute client talks to.
//
//   const fake = await startGcpFake({ instances: [gcpInstance({ name: 'trainer-1', zone: 'us-central1-a', machineType: 'a2-highgpu-1g' })] });
//   await GcpProvider.create({ projectId: fake.project, apiEndpoint: fake.url, accessToken: fake.accessToken });
//   fake.injectFault({ kind: 'operation-error', path: /\/stop$/ });   // accepted, then the operation ends DONE with error.errors[]
//   fake.unreachableZones.add('europe-west4-a');                      // aggregated list reports that zone UNREACHABLE
// Routes: GET aggregated/instances (maxResults, pageToken, returnPartialSuccess), GET zones/{z}/instances (pageToken),
// GET/DELETE zones/{z}/instances/{name}, POST .../{name}/stop|start|suspend|resume, GET zones/{z}/operations/{op},
// POST zones/{z}/operations/{op}/wait (holds until DONE or waitMaxMs, like the real one's ~2 min).
// Auth: `Authorization: Bearer <accessToken>`, else 401 UNAUTHENTICATED; another project: 403. Unknown instance or
// zone: 404 notFound. Instance builder: gcpInstance() (gcp-fake-instance.ts, re-exported here).
// Transitions (transitionMs): stop RUNNING -> STOPPING -> TERMINATED (NAT IP released); start -> STAGING -> RUNNING;
// suspend -> SUSPENDING -> SUSPENDED; delete -> STOPPING -> gone. Each op is DONE when its transition is.
import { bearerOf, type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer, Transitions } from './fake-http';
import { GCP_API_BASE as API, type GcpRawInstance } from './gcp-fake-instance';

export { gcpInstance, type GcpRawInstance, type GcpSeed } from './gcp-fake-instance';

export interface GcpFakeOptions {
  project?: string;
  accessToken?: string;
  instances?: GcpRawInstance[];
  /** Page size when the client sends no maxResults (the real default is 500). */
  pageSize?: number;
  transitionMs?: number;
  /** Longest a `wait` call holds before answering a not-yet-done operation. */
  waitMaxMs?: number;
  now?: () => number;
  latencyMs?: number;
}

export interface GcpFake extends FakeServer {
  project: string;
  accessToken: string;
  /** Keyed `zone/name`. */
  instances: Map<string, GcpRawInstance>;
  operations: Map<string, Record<string, unknown>>;
  unreachableZones: Set<string>;
  add(inst: GcpRawInstance): void;
}

const zoneOf = (inst: GcpRawInstance) => inst.zone.split('/').pop()!;

function googleError(code: number, status: string, message: string, reason: string): FakeResponse {
  return { status: code, json: { error: { code, message, errors: [{ message, domain: 'global', reason }], status } } };
}

export async function startGcpFake(opts: GcpFakeOptions = {}): Promise<GcpFake> {
  const project = opts.project ?? 'test-project';
  const accessToken = opts.accessToken ?? 'ya29.fake-access-token-0123456789';
  const transitionMs = opts.transitionMs ?? 0;
  const waitMaxMs = opts.waitMaxMs ?? 2_000;
  const pageSize = opts.pageSize ?? 500;
  const now = opts.now ?? Date.now;
  const instances = new Map<string, GcpRawInstance>();
  const add = (i: GcpRawInstance) => void instances.set(`${zoneOf(i)}/${i.name}`, i);
  for (const i of opts.instances ?? []) add(i);
  const operations = new Map<string, Record<string, unknown>>();
  const unreachableZones = new Set<string>();
  const transitions = new Transitions(now);
  const generation = new Map<string, number>();
  let opCounter = 0;

  const notFound = (what: string) => googleError(404, 'NOT_FOUND', `The resource '${what}' was not found`, 'notFound');

  const sorted = () => [...instances.values()].sort((a, b) => `${zoneOf(a)}/${a.name}`.localeCompare(`${zoneOf(b)}/${b.name}`));
  const page = <T>(items: T[], r: RecordedRequest): { items: T[]; next?: string } | FakeResponse => {
    const size = Math.min(Number(r.query['maxResults'] ?? pageSize) || pageSize, pageSize);
    const start = r.query['pageToken'] === undefined ? 0 : Number(Buffer.from(r.query['pageToken'], 'base64url').toString());
    if (!Number.isInteger(start) || start < 0) return googleError(400, 'INVALID_ARGUMENT', 'Invalid value for field pageToken', 'invalid');
    const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
    return { items: items.slice(start, start + size), ...(next ? { next } : {}) };
  };

  /** Starts an operation; the state change happens at once (`during`) and completes after transitionMs (`after`). */
  const operate = (key: string, inst: GcpRawInstance, type: string, during: string, after: () => void, failCode: string | null): FakeResponse => {
    const zoneUrl = inst.zone;
    const name = `operation-${now()}-${(++opCounter).toString(16).padStart(6, '0')}-${type}`;
    const op: Record<string, unknown> = {
      kind: 'compute#operation',
      id: String(7_000_000_000 + opCounter),
      name,
      zone: zoneUrl,
      operationType: type,
      targetLink: inst['selfLink'],
      targetId: inst['id'],
      status: 'RUNNING',
      user: 'optimizer@test-project.iam.gserviceaccount.com',
      progress: 0,
      insertTime: new Date(now()).toISOString(),
      startTime: new Date(now()).toISOString(),
      selfLink: `${zoneUrl}/operations/${name}`,
    };
    operations.set(name, op);
    const finish = (extra: Record<string, unknown>) => Object.assign(op, { status: 'DONE', progress: 100, endTime: new Date(now()).toISOString() }, extra);
    if (failCode !== null) {
      // The call is accepted and the operation fails: the instance does not change (a failed op does not throw).
      transitions.later(transitionMs, () =>
        finish({
          httpErrorStatusCode: 400,
          httpErrorMessage: 'BAD REQUEST',
          error: { errors: [{ code: failCode, message: `The ${type} operation failed (injected).` }] },
        }),
      );
      return { status: 200, json: { ...op } };
    }
    const g = (generation.get(key) ?? 0) + 1;
    generation.set(key, g);
    inst.status = during;
    transitions.later(transitionMs, () => {
      if (generation.get(key) === g) after();
      finish({});
    });
    return { status: 200, json: { ...op } };
  };

  const handler = async (r: RecordedRequest, ctx: { fault: string | null }): Promise<FakeResponse> => {
    transitions.settle();
    if (bearerOf(r) !== accessToken) {
      return googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.', 'authError');
    }
    const m = /^\/compute\/v1\/projects\/([^/]+)\/(.*)$/.exec(r.path);
    if (!m) return googleError(404, 'NOT_FOUND', 'Not Found', 'notFound');
    if (m[1] !== project) return googleError(403, 'PERMISSION_DENIED', `Permission denied on resource project ${m[1]}.`, 'forbidden');
    const rest = m[2]!;

    if (r.method === 'GET' && rest === 'aggregated/instances') {
      const p = page(sorted(), r);
      if (!('items' in p)) return p;
      const items: Record<string, unknown> = {};
      for (const inst of p.items) ((items[`zones/${zoneOf(inst)}`] ??= { instances: [] }) as { instances: unknown[] }).instances.push(inst);
      items['zones/us-east1-b'] ??= {
        warning: {
          code: 'NO_RESULTS_ON_PAGE',
          message: "There are no results for scope 'zones/us-east1-b' on this page.",
          data: [{ key: 'scope', value: 'zones/us-east1-b' }],
        },
      };
      for (const z of unreachableZones)
        items[`zones/${z}`] = {
          warning: { code: 'UNREACHABLE', message: `Scope 'zones/${z}' is unreachable.`, data: [{ key: 'scope', value: `zones/${z}` }] },
        };
      return {
        status: 200,
        json: {
          kind: 'compute#instanceAggregatedList',
          id: `projects/${project}/aggregated/instances`,
          items,
          ...(p.next ? { nextPageToken: p.next } : {}),
          selfLink: `${API}/projects/${project}/aggregated/instances`,
          ...(unreachableZones.size > 0 ? { unreachables: [...unreachableZones].map((z) => `zones/${z}`) } : {}),
        },
      };
    }
    const z = /^zones\/([a-z0-9-]+)\/(instances|operations)(?:\/([a-z0-9-]+)(?:\/([a-z]+))?)?$/.exec(rest);
    if (!z) return googleError(404, 'NOT_FOUND', 'Not Found', 'notFound');
    const [, zone, kind, name, verb] = z as unknown as [string, string, string, string | undefined, string | undefined];
    // Zone names look like us-central1-a; anything else is an unknown zone resource, as the real API says.
    if (!/^[a-z]+-[a-z]+\d+-[a-z]$/.test(zone)) return notFound(`projects/${project}/zones/${zone}`);

    if (kind === 'operations') {
      const op = name ? operations.get(name) : undefined;
      if (!op || !name) return notFound(`projects/${project}/zones/${zone}/operations/${name ?? ''}`);
      if (r.method === 'GET' && !verb) return { status: 200, json: op };
      if (r.method === 'POST' && verb === 'wait') {
        const until = Date.now() + waitMaxMs;
        while (op['status'] !== 'DONE' && Date.now() < until) {
          await new Promise((ok) => setTimeout(ok, Math.min(20, Math.max(1, transitions.idleInMs))));
          transitions.settle();
        }
        return { status: 200, json: op };
      }
      return googleError(405, 'METHOD_NOT_ALLOWED', 'Method not allowed', 'invalid');
    }

    if (!name) {
      if (r.method !== 'GET') return googleError(405, 'METHOD_NOT_ALLOWED', 'Method not allowed', 'invalid');
      const p = page(
        sorted().filter((i) => zoneOf(i) === zone),
        r,
      );
      if (!('items' in p)) return p;
      return {
        status: 200,
        json: {
          kind: 'compute#instanceList',
          id: `projects/${project}/zones/${zone}/instances`,
          ...(p.items.length > 0 ? { items: p.items } : {}),
          ...(p.next ? { nextPageToken: p.next } : {}),
          selfLink: `${API}/projects/${project}/zones/${zone}/instances`,
        },
      };
    }
    const key = `${zone}/${name}`;
    const inst = instances.get(key);
    if (!inst) return notFound(`projects/${project}/zones/${zone}/instances/${name}`);
    const failCode = ctx.fault === 'operation-error' ? (verb === 'start' ? 'ZONE_RESOURCE_POOL_EXHAUSTED' : 'UNSUPPORTED_OPERATION') : null;
    const setNat = (ip: string | null) => {
      const ac = (inst['networkInterfaces'] as { accessConfigs?: Record<string, unknown>[] }[] | undefined)?.[0]?.accessConfigs?.[0];
      if (!ac) return;
      if (ip === null) delete ac['natIP'];
      else ac['natIP'] = ip;
    };
    if (r.method === 'GET' && !verb) return { status: 200, json: inst };
    if (r.method === 'DELETE' && !verb) {
      return operate(key, inst, 'delete', 'STOPPING', () => instances.delete(key), failCode);
    }
    if (r.method === 'POST' && verb === 'stop') {
      if (inst.status === 'TERMINATED') return operate(key, inst, 'stop', 'TERMINATED', () => undefined, failCode);
      return operate(
        key,
        inst,
        'stop',
        'STOPPING',
        () => {
          inst.status = 'TERMINATED';
          inst['lastStopTimestamp'] = new Date(now()).toISOString();
          setNat(null);
        },
        failCode,
      );
    }
    if (r.method === 'POST' && verb === 'start') {
      if (inst.status === 'RUNNING') return operate(key, inst, 'start', 'RUNNING', () => undefined, failCode);
      return operate(
        key,
        inst,
        'start',
        'STAGING',
        () => {
          inst.status = 'RUNNING';
          inst['lastStartTimestamp'] = new Date(now()).toISOString();
          setNat(`35.200.${opCounter % 250}.${(opCounter * 3) % 250}`);
        },
        failCode,
      );
    }
    if (r.method === 'POST' && verb === 'suspend') return operate(key, inst, 'suspend', 'SUSPENDING', () => (inst.status = 'SUSPENDED'), failCode);
    if (r.method === 'POST' && verb === 'resume') return operate(key, inst, 'resume', 'STAGING', () => (inst.status = 'RUNNING'), failCode);
    return googleError(405, 'METHOD_NOT_ALLOWED', 'Method not allowed', 'invalid');
  };

  const server = await startFakeServer({
    handler,
    handlerFaults: ['operation-error'],
    latencyMs: opts.latencyMs,
    faultResponse: (kind) => {
      if (kind === '429-json') return googleError(429, 'RESOURCE_EXHAUSTED', 'Rate Limit Exceeded', 'rateLimitExceeded');
      if (kind === '500') return googleError(500, 'INTERNAL', 'Internal error. Please try again or contact Google Support.', 'backendError');
      if (kind === '503') return googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.', 'backendError');
      return undefined;
    },
  });
  return { ...server, project, accessToken, instances, operations, unreachableZones, add };
}
