import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryInstance } from '../../../../test/fakes/memory-provider';
import { makeTempDir, type TempDir } from '../../../../test/helpers/temp-dir';
import { dbPath, openStore, type Store } from '../../store';
import { createApp } from '../app';

const ADMIN = 'admin-token-0123456789abcdef';
const NOW = 1_750_000_000_000;
let dir: TempDir;
let store: Store;
beforeEach(() => {
  dir = makeTempDir();
  store = openStore(dbPath(dir.path));
});
afterEach(() => {
  store.close();
  dir.cleanup();
});

const app = () => createApp({ store, adminToken: ADMIN, now: () => NOW });
const auth = { authorization: `Bearer ${ADMIN}` };
const put = (body: unknown) => ({ method: 'PUT', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) });

describe('/api/owners and /api/teams', () => {
  it('sets, reads, merges and removes owners and teams; /api/status carries owner and team', async () => {
    const a = app();
    expect((await a.request('/api/owners/alice', put({ slack: 'U0ALICE01', team: 'vision' }))).status).toBe(201);
    expect((await a.request('/api/owners/alice', put({ email: 'alice@example.com' }))).status).toBe(200);
    expect(await (await a.request('/api/owners/alice', { headers: auth })).json()).toEqual({
      name: 'alice',
      slack: 'U0ALICE01',
      email: 'alice@example.com',
      team: 'vision',
      source: 'api',
    });
    const t = await a.request('/api/teams/vision', put({ webhook: 'https://hooks.example.com/services/T/B/secret', monthlyBudget: 0.5 }));
    expect(t.status).toBe(201);
    const team = (await t.json()) as Record<string, unknown>;
    expect(team).toMatchObject({ name: 'vision', monthlyBudget: 0.5 });
    // The webhook's path is a secret.
    expect(JSON.stringify(team)).not.toContain('secret');

    store.upsertInventory(
      'vast',
      [memoryInstance('1', { labels: { label: 'x [owner=alice]' } }), memoryInstance('2', { name: 'y [team=vision]' }), memoryInstance('3')],
      NOW,
    );
    const status = (await (await a.request('/api/status', { headers: auth })).json()) as { instances: { id: string; owner: unknown; team: unknown }[] };
    expect(status.instances.map((i) => [i.id, i.owner, i.team])).toEqual([
      ['vast:1', 'alice', 'vision'],
      ['vast:2', null, 'vision'],
      ['vast:3', null, null],
    ]);
    const detail = (await (await a.request('/api/instances/vast:1', { headers: auth })).json()) as { instance: Record<string, unknown> };
    expect(detail.instance).toMatchObject({ owner: 'alice', team: 'vision', teamFrom: "owner alice's team in the directory" });

    expect((await a.request('/api/owners/alice', { method: 'DELETE', headers: auth })).status).toBe(200);
    expect((await a.request('/api/owners/alice', { headers: auth })).status).toBe(404);
  });

  it('GET /api/report?by=team lists each team with its spend; a bad query is a 400', async () => {
    const a = app();
    await a.request('/api/teams/vision', put({ monthlyBudget: 0.5 }));
    store.upsertInventory('vast', [memoryInstance('1', { name: 'h200 [team=vision]', pricePerHour: 36 })], NOW - 3_600_000);
    store.spend.accrue(new Map([['vast:1', 36]]), NOW - 3_600_000);
    const r = await a.request('/api/report?by=team&since=2025-06-01', { headers: auth });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { groups: { name: string; spendUsd: number; monthlyBudget: number }[] };
    expect(body.groups).toHaveLength(1);
    expect(body.groups[0]).toMatchObject({ name: 'vision', spendUsd: 36, monthlyBudget: 0.5 });
    expect((await a.request('/api/report?by=instance', { headers: auth })).status).toBe(400);
    expect((await a.request('/api/report?by=team&since=yesterday', { headers: auth })).status).toBe(400);
  });

  it('refuses a bad member id or address with one clear line, and touches nothing', async () => {
    const r = await app().request('/api/owners/bob', put({ slack: 'bob' }));
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/not a Slack member id/);
    expect((await app().request('/api/owners/bob', put({ email: 'nope' }))).status).toBe(400);
    expect((await app().request('/api/teams/x', put({ monthlyBudget: 'lots' }))).status).toBe(400);
    expect(store.directory.listOwners()).toEqual([]);
  });
});
