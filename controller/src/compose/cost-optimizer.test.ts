import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryProvider, memoryInstance } from '../../../test/fakes/memory-provider';
import { parseConfig } from '../config/config';
import { ProviderError } from '../domain/errors';
import { createLogger } from '../log';
import type { Notifier } from '../notify/webhook-notifier';
import { openStore, type Store } from '../store';
import { CostOptimizer } from './cost-optimizer';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

class ListNotifier implements Notifier {
  readonly messages: string[] = [];
  notify(t: string) {
    this.messages.push(t);
  }
  async flush() {}
}

function setup(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'co-opt-'));
  dirs.push(dir);
  // No pause warning unless a test asks for one: these tests pin the seed's pause timing.
  const config = parseConfig({
    DATA_DIR: dir,
    PAUSE_WINDOW_MINUTES: '1',
    MIN_SAMPLES: '3',
    MAX_GAP_SECONDS: '30',
    CHECK_INTERVAL: '10',
    PAUSE_WARNING_MINUTES: '0',
    ...env,
  });
  const store = openStore(join(dir, 'co.db'));
  let now = T0;
  const notifier = new ListNotifier();
  const lines: string[] = [];
  const opt = new CostOptimizer(config, {
    store,
    notifier,
    now: () => now,
    sshPoller: null,
    logger: createLogger({ sink: (_l, line) => lines.push(line) }),
    executor: { verifyAttempts: 1, verifyDelayMs: 0 },
    inventory: { attempts: 2, baseDelayMs: 1 },
  });
  return { opt, store, notifier, lines, setNow: (t: number) => (now = t), getNow: () => now };
}

/** Agent samples every 10 s from `from` to `to` with the given utilization (null = unknown). */
function feed(store: Store, id: string, from: number, to: number, util: number | null) {
  const inputs = [];
  for (let t = from; t + 10_000 <= to; t += 10_000) {
    inputs.push({
      instanceId: id,
      source: 'agent' as const,
      t0: t,
      t1: t + 10_000,
      gpus: [
        {
          index: 0,
          uuid: 'GPU-0',
          count: 10,
          utilUnknown: util === null ? 10 : 0,
          util: util === null ? null : { min: util, mean: util, max: util },
          memUsed: null,
          memTotal: 24000,
          temp: null,
          power: null,
        },
      ],
      procs: 0,
      health: { state: 'ok' as const },
      run: null,
    });
  }
  store.insertSamples(inputs, to);
}

describe('CostOptimizer', () => {
  it('pauses the idle instance, keeps the busy, unknown and protected ones, and logs the seed line', async () => {
    const { opt, store, notifier, lines, setNow } = setup();
    const vast = new MemoryProvider([memoryInstance('1'), memoryInstance('2'), memoryInstance('3', { name: 'train [protect]' }), memoryInstance('4')]);
    opt.addProvider('vast', vast);
    await opt.runOnce(); // first sight: running since T0
    const end = T0 + 90_000;
    feed(store, 'vast:1', T0, end, 2);
    feed(store, 'vast:2', T0, end, 55);
    feed(store, 'vast:3', T0, end, 1);
    feed(store, 'vast:4', T0, end, null);
    setNow(end);
    const r = await opt.runOnce();
    expect(r.actions.map((a) => [a.instanceId, a.kind, a.status])).toEqual([['vast:1', 'pause', 'succeeded']]);
    expect(vast.instances.get('1')!.state).toBe('stopped');
    expect(['2', '3', '4'].map((id) => vast.instances.get(id)!.state)).toEqual(['running', 'running', 'running']);
    expect(store.listActions({ instanceId: 'vast:1' })[0]).toMatchObject({ kind: 'pause', status: 'succeeded' });
    // The notification names the instance and its price; the log keeps the seed's line.
    expect(notifier.messages.some((m) => m.startsWith(':pause_button: Paused *box-1* (vast:1; Vast.ai, RTX 4090, $0.500/h)'))).toBe(true);
    expect(lines.some((l) => /PAUSE: vast:1 \(RTX 4090\) - .*max=2\.0%/.test(l))).toBe(true);
    expect(lines.some((l) => /cycle 2: 4 instances; decisions pause=1/.test(l))).toBe(true);
  });

  it('warns before the pause, and says so when the instance gets busy and the pause is called off', async () => {
    const { opt, store, notifier, setNow } = setup({ PAUSE_WARNING_MINUTES: '0.5', PUBLIC_URL: 'https://co.example.com' });
    const vast = new MemoryProvider([memoryInstance('1', { name: 'render-farm-7' })]);
    opt.addProvider('vast', vast);
    await opt.runOnce();
    feed(store, 'vast:1', T0, T0 + 50_000, 2);
    setNow(T0 + 50_000);
    const warned = await opt.runOnce();
    expect(warned.actions.map((a) => [a.kind, a.status])).toEqual([['warn-pause', 'succeeded']]);
    expect(notifier.messages.at(-1)).toMatch(/^:hourglass: \*render-farm-7\* \(vast:1; .*\) will be paused at 00:01 UTC unless it gets busy/);
    feed(store, 'vast:1', T0 + 50_000, T0 + 70_000, 85);
    setNow(T0 + 70_000);
    const busy = await opt.runOnce();
    expect(busy.actions).toEqual([]);
    expect(vast.instances.get('1')!.state).toBe('running');
    expect(notifier.messages.at(-1)).toBe(
      ':white_check_mark: *render-farm-7* (vast:1; Vast.ai, RTX 4090, $0.500/h) will not be paused after all: its GPU is busy again.',
    );
    setNow(T0 + 80_000);
    await opt.runOnce();
    expect(notifier.messages.filter((m) => m.startsWith(':white_check_mark:'))).toHaveLength(1);
  });

  it('isProtected is the rule of the engine: provider id or name in any case, the marker, and an active hold', () => {
    const { opt, store, getNow } = setup({ PROTECTED_INSTANCES: '4242, Trainer-X' });
    expect(opt.isProtected(memoryInstance('4242'))).toBe(true);
    expect(opt.isProtected(memoryInstance('1', { name: 'trainer-x' }))).toBe(true);
    expect(opt.isProtected(memoryInstance('2', { name: 'train [Protect]' }))).toBe(true);
    expect(opt.isProtected(memoryInstance('3'))).toBe(false);
    store.upsertInventory('vast', [memoryInstance('3')], getNow());
    store.setHold('vast:3', getNow() + 3_600_000, 'demo in progress', getNow());
    expect(opt.isProtected(memoryInstance('3'))).toBe(true);
  });

  it('in DRY_RUN decides and records but acts on nothing', async () => {
    const { opt, store, setNow } = setup({ DRY_RUN: 'true' });
    const vast = new MemoryProvider([memoryInstance('1')]);
    opt.addProvider('vast', vast);
    await opt.runOnce();
    feed(store, 'vast:1', T0, T0 + 90_000, 0);
    setNow(T0 + 90_000);
    const r = await opt.runOnce();
    expect(r.actions.map((a) => a.status)).toEqual(['dry-run']);
    expect(vast.calls.filter((c) => c.startsWith('pause'))).toEqual([]);
    setNow(T0 + 100_000);
    const again = await opt.runOnce();
    expect(again.actions.every((a) => a.status === 'dry-run')).toBe(true);
    expect(store.listActions({ instanceId: 'vast:1' })).toHaveLength(1);
  });

  it('one provider failing never stops the others', async () => {
    const { opt, store, setNow, lines } = setup();
    const vast = new MemoryProvider([memoryInstance('1')], 'vast');
    const td = new MemoryProvider([memoryInstance('a', { id: 'tensordock:a', provider: 'tensordock' })], 'tensordock');
    opt.addProvider('vast', vast).addProvider('tensordock', td);
    await opt.runOnce();
    feed(store, 'vast:1', T0, T0 + 90_000, 0);
    feed(store, 'tensordock:a', T0, T0 + 90_000, 0);
    const down = new ProviderError({ provider: 'tensordock', op: 'list', message: 'HTTP 500', retryable: true, status: 500 });
    td.failNext.push({ op: 'list', error: down }, { op: 'list', error: down });
    setNow(T0 + 90_000);
    const r = await opt.runOnce();
    expect(r.providers.map((p) => [p.provider, p.ok])).toEqual([
      ['vast', true],
      ['tensordock', false],
    ]);
    expect(r.actions.map((a) => a.instanceId)).toEqual(['vast:1']);
    expect(td.instances.get('a')!.state).toBe('running');
    expect(lines.some((l) => l.includes('provider errors: tensordock'))).toBe(true);
  });

  it('restart grace: a resumed instance gets a full window, and idle state survives a controller restart', async () => {
    const { opt, store, setNow } = setup();
    const vast = new MemoryProvider([memoryInstance('1')]);
    opt.addProvider('vast', vast);
    await opt.runOnce();
    feed(store, 'vast:1', T0, T0 + 90_000, 0);
    setNow(T0 + 90_000);
    expect((await opt.runOnce()).actions.map((a) => a.kind)).toEqual(['pause']);
    // The user resumes at +100 s; idle samples keep coming, but the window restarts from when it is seen running.
    vast.instances.get('1')!.state = 'running';
    setNow(T0 + 100_000);
    await opt.runOnce();
    feed(store, 'vast:1', T0 + 100_000, T0 + 150_000, 0);
    setNow(T0 + 150_000);
    expect(store.listActions({ instanceId: 'vast:1' }).map((a) => [a.kind, a.status])).toEqual([
      ['resume', 'succeeded'],
      ['pause', 'succeeded'],
    ]);
    const mid = await opt.runOnce();
    expect(mid.actions).toEqual([]);
    expect(mid.decisions[0]!.figures.runningSince).toBe(T0 + 100_000);
    await opt.close();

    // A new controller on the same database continues the same idle run.
    const store2 = openStore((store.db as import('better-sqlite3').Database).name);
    let now = T0 + 150_000;
    const opt2 = new CostOptimizer(opt.config, {
      store: store2,
      now: () => now,
      sshPoller: null,
      logger: createLogger({ sink: () => {} }),
      notifier: new ListNotifier(),
      executor: { verifyAttempts: 1, verifyDelayMs: 0 },
    });
    opt2.addProvider('vast', vast);
    feed(store2, 'vast:1', T0 + 150_000, T0 + 170_000, 0);
    now = T0 + 170_000;
    const r = await opt2.runOnce();
    expect(r.actions.map((a) => [a.kind, a.status])).toEqual([['pause', 'succeeded']]);
    await opt2.close();
    store2.close();
  });

  it('a controller killed without closing rebuilds its idle states from the samples (busy readings are never lost)', async () => {
    const { opt, store, setNow } = setup();
    const vast = new MemoryProvider([memoryInstance('1'), memoryInstance('2')]);
    opt.addProvider('vast', vast);
    await opt.runOnce(); // cycle 1: full save
    feed(store, 'vast:1', T0, T0 + 50_000, 0);
    feed(store, 'vast:2', T0, T0 + 40_000, 0);
    feed(store, 'vast:2', T0 + 40_000, T0 + 50_000, 80); // a busy reading the saved state has not seen
    setNow(T0 + 50_000);
    await opt.runOnce(); // cycle 2: only inventory transitions saved
    // "kill -9": no close(); a new controller on the same database.
    let now = T0 + 90_000;
    feed(store, 'vast:1', T0 + 50_000, T0 + 90_000, 0);
    feed(store, 'vast:2', T0 + 50_000, T0 + 90_000, 0);
    const opt2 = new CostOptimizer(opt.config, {
      store,
      now: () => now,
      sshPoller: null,
      logger: createLogger({ sink: () => {} }),
      notifier: new ListNotifier(),
      executor: { verifyAttempts: 1, verifyDelayMs: 0 },
    });
    opt2.addProvider('vast', vast);
    const r = await opt2.runOnce();
    // vast:1 idle for 90 s: paused. vast:2 was busy 40-50 s: its window (30-90 s) is not idle, so it is kept.
    expect(r.actions.map((a) => [a.instanceId, a.kind])).toEqual([['vast:1', 'pause']]);
    expect(r.decisions.find((d) => d.instanceId === 'vast:2')!.kind).toBe('none');
    now = T0 + 120_000;
    feed(store, 'vast:2', T0 + 90_000, T0 + 120_000, 0);
    expect((await opt2.runOnce()).actions.map((a) => a.instanceId)).toEqual(['vast:2']);
    await opt2.close();
  });

  it("settles audit rows a killed controller left planned, with the provider's word, and never acts on them", async () => {
    const { opt, store } = setup();
    const vast = new MemoryProvider([memoryInstance('1', { state: 'stopped' }), memoryInstance('2')]);
    store.upsertInventory('vast', [...vast.instances.values()], T0);
    const p1 = store.insertAction({ instanceId: 'vast:1', kind: 'pause', status: 'planned', reason: 'idle', decisionKey: 'pause:vast:1:0' }, T0).record;
    const p2 = store.insertAction({ instanceId: 'vast:2', kind: 'pause', status: 'planned', reason: 'idle', decisionKey: 'pause:vast:2:0' }, T0).record;
    opt.addProvider('vast', vast);
    await opt.runOnce();
    expect(store.getAction(p1.id)).toMatchObject({ status: 'succeeded' });
    expect(store.getAction(p2.id)).toMatchObject({ status: 'failed', reason: 'interrupted by a controller restart; the instance is running' });
    expect(vast.calls.filter((c) => c.startsWith('pause'))).toEqual([]);
  });

  it('settles a planned row older than the newest 10,000 audit rows (crash recovery reads every planned row)', async () => {
    const { opt, store } = setup();
    const vast = new MemoryProvider([memoryInstance('1', { state: 'stopped' })]);
    store.upsertInventory('vast', [...vast.instances.values()], T0);
    const p1 = store.insertAction({ instanceId: 'vast:1', kind: 'pause', status: 'planned', reason: 'idle', decisionKey: 'pause:vast:1:0' }, T0).record;
    store.transaction(() => {
      for (let i = 0; i < 10_050; i++)
        store.insertAction({ instanceId: `vast:${100 + (i % 50)}`, kind: 'warn', status: 'dry-run', reason: 'dry run' }, T0 + 1 + i);
    });
    opt.addProvider('vast', vast);
    await opt.runOnce();
    expect(store.getAction(p1.id)).toMatchObject({ status: 'succeeded' });
  });
});
