// Messages reach people: a pause of an owner's instance mentions them on the team's webhook and the global one;
// an instance of no team never reaches the team's webhook. Real HTTP receivers; only the provider is faked.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryProvider, memoryInstance } from '../../../test/fakes/memory-provider';
import { parseConfig } from '../config/config';
import { silentLogger } from '../log';
import { CostOptimizer } from '../compose/cost-optimizer';
import { openStore, type Store } from '../store';
import { setOwner, setTeam } from './directory-service';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

async function receiver(): Promise<{ url: string; texts: string[] }> {
  const texts: string[] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      texts.push((JSON.parse(data) as { text: string }).text);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, texts };
}

function feedIdle(store: Store, id: string, from: number, to: number) {
  const inputs = [];
  for (let t = from; t + 10_000 <= to; t += 10_000) {
    inputs.push({
      instanceId: id,
      source: 'agent' as const,
      t0: t,
      t1: t + 10_000,
      gpus: [
        { index: 0, uuid: 'GPU-0', count: 10, utilUnknown: 0, util: { min: 1, mean: 1, max: 1 }, memUsed: null, memTotal: 24000, temp: null, power: null },
      ],
      procs: 0,
      health: { state: 'ok' as const },
      run: null,
    });
  }
  store.insertSamples(inputs, to);
}

describe('owners and teams in messages', () => {
  it("the pause of alice's idle instance reaches the team webhook with <@U0ALICE01> and the global one; an unowned one only the global", async () => {
    const global = await receiver();
    const team = await receiver();
    const dir = mkdtempSync(join(tmpdir(), 'co-owners-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = parseConfig({
      DATA_DIR: dir,
      PAUSE_WINDOW_MINUTES: '1',
      MIN_SAMPLES: '3',
      MAX_GAP_SECONDS: '30',
      CHECK_INTERVAL: '10',
      PAUSE_WARNING_MINUTES: '0',
      WEBHOOK_URL: global.url,
    });
    const store = openStore(join(dir, 'co.db'));
    expect(setOwner(store, 'alice', { slack: 'U0ALICE01', team: 'vision' }, T0).ok).toBe(true);
    expect(setTeam(store, 'vision', { webhook: team.url, monthlyBudget: '1000' }, T0).ok).toBe(true);
    let now = T0;
    const opt = new CostOptimizer(config, { store, now: () => now, sshPoller: null, logger: silentLogger, executor: { verifyAttempts: 1, verifyDelayMs: 0 } });
    cleanup.push(() => {
      void opt.close();
      store.close();
    });
    const vast = new MemoryProvider([
      memoryInstance('1', { labels: { label: 'sd [owner=alice]' } }),
      memoryInstance('2', { name: 'nobody' }),
      memoryInstance('3', { labels: { label: '[team=vision]' } }),
    ]);
    opt.addProvider('vast', vast);
    await opt.runOnce();
    feedIdle(store, 'vast:1', T0, T0 + 90_000);
    feedIdle(store, 'vast:2', T0, T0 + 90_000);
    now = T0 + 90_000;
    const r = await opt.runOnce();
    await opt.notifications.flush(10_000);
    expect(r.actions.filter((a) => a.status === 'succeeded').map((a) => a.instanceId)).toEqual(['vast:1', 'vast:2']);

    const paused1 = (texts: string[]) => texts.filter((t) => t.startsWith(':pause_button:') && t.includes('vast:1'));
    expect(paused1(team.texts)).toHaveLength(1);
    expect(paused1(team.texts)[0]).toContain('<@U0ALICE01>');
    expect(paused1(global.texts)).toHaveLength(1);
    expect(paused1(global.texts)[0]).toContain('<@U0ALICE01>');
    // vast:2 belongs to no team: the global webhook only.
    expect(global.texts.some((t) => t.includes('vast:2'))).toBe(true);
    expect(team.texts.some((t) => t.includes('vast:2'))).toBe(false);
  });

  it("a team's default idle window keeps its idle instance from the global window's pause", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'co-owners-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = parseConfig({ DATA_DIR: dir, PAUSE_WINDOW_MINUTES: '1', MIN_SAMPLES: '3', MAX_GAP_SECONDS: '30', PAUSE_WARNING_MINUTES: '0' });
    const store = openStore(join(dir, 'co.db'));
    expect(setTeam(store, 'vision', { idle: '2h', noDelete: true }, T0).ok).toBe(true);
    let now = T0;
    const opt = new CostOptimizer(config, { store, now: () => now, sshPoller: null, logger: silentLogger, executor: { verifyAttempts: 1, verifyDelayMs: 0 } });
    cleanup.push(() => {
      void opt.close();
      store.close();
    });
    opt.addProvider('vast', new MemoryProvider([memoryInstance('1', { name: 'a [team=vision]' }), memoryInstance('2')]));
    await opt.runOnce();
    feedIdle(store, 'vast:1', T0, T0 + 90_000);
    feedIdle(store, 'vast:2', T0, T0 + 90_000);
    now = T0 + 90_000;
    const r = await opt.runOnce();
    expect(r.actions.map((a) => a.instanceId)).toEqual(['vast:2']);
    expect(r.decisions.find((d) => d.instanceId === 'vast:1')?.kind).toBe('none');
  });
});
