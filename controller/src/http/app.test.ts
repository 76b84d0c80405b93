// The HTTP API against a real store: admin token rule, token minting, holds, status shape, audit log, error hygiene.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gpus, OK } from '../../../test/helpers/gpu-stats';
import { makeTempDir, type TempDir } from '../../../test/helpers/temp-dir';
import { createLogger } from '../log';
import { dbPath, openStore, type Store } from '../store';
import { createApp, type AppDeps } from './app';
import type { DecisionView } from './decision-view';

const ADMIN = 'admin-token-0123456789abcdef';
const NOW = 1_750_000_000_000;
let dir: TempDir;
let store: Store;
let logs: string[];

beforeEach(() => {
  dir = makeTempDir();
  store = openStore(dbPath(dir.path));
  logs = [];
});
afterEach(() => {
  store.close();
  dir.cleanup();
});

function app(extra: Partial<AppDeps> = {}) {
  const logger = createLogger({ secrets: [ADMIN], sink: (_l, line) => logs.push(line) });
  return createApp({ store, adminToken: ADMIN, logger, now: () => NOW, ...extra });
}
const auth = { authorization: `Bearer ${ADMIN}` };
const post = (body: unknown, headers: Record<string, string> = auth) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('admin token', () => {
  // Every admin route of the route table is refused without it: web/route-table.test.ts.
  it('guards /api when set, with a constant-time bearer check', async () => {
    const a = app();
    const r = await a.request('/api/tokens', post({ instanceId: 'vast:1' }, {}));
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expect((await a.request('/api/status', { headers: { authorization: `Bearer ${ADMIN}x` } })).status).toBe(401);
    expect((await a.request('/api/status', { headers: { authorization: ADMIN } })).status).toBe(401);
    expect((await a.request('/api/status', { headers: auth })).status).toBe(200);
    expect((await a.request('/healthz')).status).toBe(200);
  });

  it('leaves /api open without ADMIN_TOKEN (loopback only, enforced by config)', async () => {
    expect((await app({ adminToken: null }).request('/api/status')).status).toBe(200);
  });

  it('refuses a short admin token at construction', () => {
    expect(() => app({ adminToken: 'short' })).toThrow(/16 characters/);
  });
});

describe('POST /api/tokens', () => {
  it('mints a token bound to a valid instance id', async () => {
    const r = await app().request('/api/tokens', post({ instanceId: 'gcp:us-central1-a/trainer-1' }));
    expect(r.status).toBe(201);
    const body = (await r.json()) as { token: string; instanceId: string };
    expect(body.instanceId).toBe('gcp:us-central1-a/trainer-1');
    expect(store.instanceForToken(body.token)).toBe('gcp:us-central1-a/trainer-1');
    expect(logs.join('\n')).not.toContain(body.token);
  });

  it.each([
    ['unknown provider', { instanceId: 'aws:i-1' }, /provider one of/],
    ['empty id', { instanceId: 'vast:' }, /instanceId/],
    ['wrong type', { instanceId: 7 }, /instanceId/],
    ['extra field', { instanceId: 'vast:1', admin: true }, /Unrecognized key/],
    ['missing field', {}, /instanceId: Required/],
    ['not JSON', '{instanceId:', /valid JSON/],
  ])('answers 400 for %s', async (_name, body, message) => {
    const r = await app().request('/api/tokens', post(body));
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(message);
  });

  it('answers 413 for an oversized body', async () => {
    const r = await app({ maxBodyBytes: 1024 }).request('/api/tokens', post({ instanceId: 'vast:1', pad: 'x'.repeat(5000) }));
    expect(r.status).toBe(413);
  });
});

describe('holds', () => {
  beforeEach(() => store.ensureInstance('gcp:us-central1-a/t1', NOW));

  it('sets a hold by hours or until, with raw or encoded slashes in the id', async () => {
    const a = app();
    let r = await a.request('/api/instances/gcp:us-central1-a/t1/hold', post({ hours: 2, reason: 'training run' }));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      instanceId: 'gcp:us-central1-a/t1',
      until: new Date(NOW + 7_200_000).toISOString(),
      reason: 'training run',
      actor: 'api',
    });
    r = await a.request('/api/instances/gcp%3Aus-central1-a%2Ft1/hold', post({ until: new Date(NOW + 60_000).toISOString() }));
    expect(r.status).toBe(200);
    expect(store.getHold('gcp:us-central1-a/t1')!.until).toBe(NOW + 60_000);
    r = await a.request('/api/instances/gcp:us-central1-a/t1/hold', { method: 'DELETE', headers: auth });
    expect(await r.json()).toEqual({ instanceId: 'gcp:us-central1-a/t1', cleared: true, actor: 'api' });
  });

  it.each([
    ['both', { hours: 1, until: NOW + 1000 }, /exactly one/],
    ['neither', {}, /exactly one/],
    ['past', { until: NOW - 1000 }, /future/],
    ['zero hours', { hours: 0 }, /hours/],
    ['negative hours', { hours: -3 }, /hours/],
    ['too far', { hours: 24 * 400 }, /hours/],
    ['bad date', { until: 'next tuesday' }, /ISO 8601/],
    ['extra', { hours: 1, force: true }, /Unrecognized key/],
  ])('answers 400 for %s', async (_name, body, message) => {
    const r = await app().request('/api/instances/gcp:us-central1-a/t1/hold', post(body));
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(message);
    expect(store.getHold('gcp:us-central1-a/t1')).toBeNull();
  });

  it('answers 404 for an unknown instance and 400 for a malformed id', async () => {
    expect((await app().request('/api/instances/vast:404/hold', post({ hours: 1 }))).status).toBe(404);
    expect((await app().request('/api/instances/nope/hold', post({ hours: 1 }))).status).toBe(400);
  });
});

describe('GET /api/status and /api/instances/:id', () => {
  it('lists each instance with exactly the documented fields', async () => {
    store.upsertInventory(
      'vast',
      [
        {
          id: 'vast:7',
          provider: 'vast',
          providerId: '7',
          name: 'box',
          state: 'running',
          rawState: 'running',
          gpuName: 'H100',
          numGpus: 2,
          pricePerHour: 4.5,
          stoppedPricePerHour: 0.2,
          createdAt: NOW - 1e7,
          ssh: null,
          labels: {},
          providerUtil: null,
        },
      ],
      NOW - 60_000,
    );
    store.insertSamples(
      [
        {
          instanceId: 'vast:7',
          source: 'agent',
          t0: NOW - 20_000,
          t1: NOW - 10_000,
          gpus: gpus(2, [5, 40]),
          procs: 1,
          health: OK,
          run: { runId: 'run-12345678', seq: 1 },
        },
      ],
      NOW,
    );
    store.ensureInstance('manual:mig', NOW);
    store.insertSamples([{ instanceId: 'manual:mig', source: 'ssh', t0: NOW - 20_000, t1: NOW - 10_000, gpus: gpus(1, null), procs: null, health: OK }], NOW);
    const view: DecisionView = {
      instance: (i) =>
        i.id === 'vast:7'
          ? { idleSince: NOW - 5000, protected: true, nextAction: { kind: 'pause', at: NOW + 60_000, reason: 'idle' } }
          : { idleSince: null, protected: false, nextAction: null },
      savings: () => ({ usdPerHour: 4.5 }),
      explain: (i) => ({ why: `explained ${i.id}` }),
    };
    const r = await app({ decisionView: view }).request('/api/status', { headers: auth });
    const body = (await r.json()) as { instances: Record<string, unknown>[]; savings: unknown };
    expect(body.savings).toEqual({ usdPerHour: 4.5 });
    const byId = Object.fromEntries(body.instances.map((i) => [i.id, i]));
    expect(byId['vast:7']).toEqual({
      id: 'vast:7',
      provider: 'vast',
      name: 'box',
      state: 'running',
      gpuName: 'H100',
      numGpus: 2,
      pricePerHour: 4.5,
      metricSource: 'agent',
      lastSample: { t: new Date(NOW - 10_000).toISOString(), util: 43, memUsed: 80_000, memTotal: 163_118, tempC: 40 },
      idleSince: new Date(NOW - 5000).toISOString(),
      protected: true,
      nextAction: { kind: 'pause', at: new Date(NOW + 60_000).toISOString(), reason: 'idle' },
      owner: null,
      team: null,
    });
    // Unknown utilization is null, never 0.
    expect((byId['manual:mig']!.lastSample as { util: unknown }).util).toBeNull();

    const d = await app({ decisionView: view }).request('/api/instances/vast:7', { headers: auth });
    const detail = (await d.json()) as { instance: Record<string, unknown>; samples: { utilMax: number; gpus: unknown[] }[]; explanation: unknown };
    expect(detail.instance).toMatchObject({ id: 'vast:7', rawState: 'running', agentConnected: false, hold: null });
    expect(detail.samples).toHaveLength(1);
    expect(detail.samples[0]!.gpus).toHaveLength(2);
    expect(detail.explanation).toEqual({ why: 'explained vast:7' });
    expect((await app().request('/api/instances/vast:8', { headers: auth })).status).toBe(404);
    expect((await app().request('/api/instances/vast:7?minutes=-1', { headers: auth })).status).toBe(400);
  });

  it('shows a source that went quiet as none', async () => {
    store.insertSamples(
      [
        {
          instanceId: 'manual:old',
          source: 'agent',
          t0: NOW - 3_600_000,
          t1: NOW - 3_590_000,
          gpus: gpus(1, 0),
          procs: 0,
          health: OK,
          run: { runId: 'run-12345678', seq: 1 },
        },
      ],
      NOW,
    );
    const body = (await (await app().request('/api/status', { headers: auth })).json()) as { instances: { metricSource: string }[] };
    expect(body.instances[0]!.metricSource).toBe('none');
  });
});

describe('GET /api/actions', () => {
  it('returns the audit log newest first with paging and filters', async () => {
    store.insertAction({ instanceId: 'vast:1', kind: 'warn', status: 'succeeded', reason: 'delete in 1 h' }, NOW - 2000);
    store.insertAction({ instanceId: 'vast:2', kind: 'pause', status: 'dry-run', reason: 'idle 30 min' }, NOW - 1000);
    const a = app();
    const all = (await (await a.request('/api/actions', { headers: auth })).json()) as {
      id: number;
      instanceId: string;
      kind: string;
      status: string;
      reason: string;
      at: string;
    }[];
    expect(all.map((x) => [x.instanceId, x.kind, x.status, x.reason, x.at])).toEqual([
      ['vast:2', 'pause', 'dry-run', 'idle 30 min', new Date(NOW - 1000).toISOString()],
      ['vast:1', 'warn', 'succeeded', 'delete in 1 h', new Date(NOW - 2000).toISOString()],
    ]);
    const page = (await (await a.request(`/api/actions?limit=1&before=${all[0]!.id}`, { headers: auth })).json()) as unknown[];
    expect(page).toHaveLength(1);
    expect(((await (await a.request('/api/actions?instance=vast:2', { headers: auth })).json()) as unknown[]).length).toBe(1);
    expect((await a.request('/api/actions?limit=0', { headers: auth })).status).toBe(400);
    expect((await a.request('/api/actions?limit=abc', { headers: auth })).status).toBe(400);
  });

  it('lists only the kinds docs/api.md names (pause, delete, warn): resume rows stay in the store', async () => {
    store.insertAction({ instanceId: 'vast:1', kind: 'pause', status: 'succeeded', reason: 'idle' }, NOW - 3000);
    store.insertAction({ instanceId: 'vast:1', kind: 'resume', status: 'succeeded', reason: 'seen running again' }, NOW - 2000);
    store.insertAction({ instanceId: 'vast:1', kind: 'delete', status: 'failed', reason: 'x' }, NOW - 1000);
    const listed = (await (await app().request('/api/actions', { headers: auth })).json()) as { kind: string }[];
    expect(listed.map((x) => x.kind)).toEqual(['delete', 'pause']);
    expect(store.listActions({}).map((x) => x.kind)).toEqual(['delete', 'resume', 'pause']);
  });
});

describe('errors', () => {
  it('answers 500 without leaking the error, and logs it with secrets scrubbed', async () => {
    const view: DecisionView = {
      instance: () => {
        throw new Error(`engine exploded near ${ADMIN} at /secret/path`);
      },
      savings: () => ({}),
      explain: () => null,
    };
    store.ensureInstance('vast:1', NOW);
    const r = await app({ decisionView: view }).request('/api/status', { headers: auth });
    expect(r.status).toBe(500);
    const text = await r.text();
    expect(text).toBe('{"error":"internal error"}');
    expect(logs.some((l) => l.includes('engine exploded') && !l.includes(ADMIN))).toBe(true);
  });

  it('answers 503 on /healthz when the database is gone', async () => {
    const a = app();
    store.close();
    expect((await a.request('/healthz')).status).toBe(503);
    store = openStore(dbPath(dir.path));
  });

  it('answers 426 to a plain GET of the agent endpoint', async () => {
    expect((await app().request('/agent')).status).toBe(426);
  });

  it('answers JSON 404 for unknown routes', async () => {
    const r = await app().request('/nope');
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: 'not found' });
  });
});
