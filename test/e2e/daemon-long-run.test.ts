// The daemon loop as `serve` builds it (compose/start-controller.ts), run for 10,000 cycles at a 1 ms CHECK_INTERVAL
// with agents connected over WebSocket and Vast.ai and TensorDock fakes on real sockets: no
// MaxListenersExceededWarning, abort listeners never pile up, and the heap (after a forced GC) stays flat. A daemon
// meant to run for months must not keep one closure per cycle.
import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../controller/src/config/config';
import { createLogger } from '../../controller/src/log';
import { createProvidersFromConfig } from '../../controller/src/providers';
import { type RunningController, startController } from '../../controller/src/compose/start-controller';
import { startTensorDockV2Fake, tdV2Instance, type TdV2Fake } from '../../controller/src/fake-world/tensordock-fake-v2';
import { startVastFake, vastInstance, type VastFake } from '../../controller/src/fake-world/vast-fake';
import { makeTempDir } from '../helpers/temp-dir';
import { SimAgent } from '../sim-agent';

const CYCLES = 10_000;
const CHECKPOINT_EVERY = 1_000;
/**
 * Allowed heap growth per cycle: the median of the pairwise slopes (Theil-Sen) between the GC'd heap at the
 * checkpoints from WARM_UP on (the first thousands of cycles warm the JIT and caches). Measured here: -32 B a cycle
 * with the fix (checkpoints wander within about 1 MiB); +395 B a cycle with one abort listener left per cycle.
 */
const HEAP_BYTES_PER_CYCLE_LIMIT = 120;
const WARM_UP = 3_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const tmp = makeTempDir('co-long-run-');
let vast: VastFake;
let td: TdV2Fake;
let server: RunningController;
const agents: SimAgent[] = [];
const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);

// Every AbortSignal that gets an 'abort' listener is remembered (weakly, so the record itself keeps nothing alive),
// and its live listeners are counted with node's own getEventListeners: the daemon's signal is private to it.
const signals = new Set<WeakRef<AbortSignal>>();
const realAdd = AbortSignal.prototype.addEventListener;
function liveAbortListeners(): number {
  let n = 0;
  for (const ref of signals) {
    const s = ref.deref();
    if (s === undefined) signals.delete(ref);
    else n += getEventListeners(s, 'abort').length;
  }
  return n;
}
const tracked = new WeakSet<AbortSignal>();

let cycles = 0;
let waiter: { at: number; resolve: () => void } | null = null;
function cycleReached(n: number): Promise<void> {
  if (cycles >= n) return Promise.resolve();
  return new Promise((resolve) => (waiter = { at: n, resolve }));
}

beforeAll(async () => {
  process.on('warning', onWarning);
  AbortSignal.prototype.addEventListener = function (this: AbortSignal, ...args: Parameters<AbortSignal['addEventListener']>) {
    if (args[0] === 'abort' && !tracked.has(this)) {
      tracked.add(this);
      signals.add(new WeakRef(this));
    }
    return realAdd.apply(this, args);
  } as AbortSignal['addEventListener'];

  vast = await startVastFake({
    transitionMs: 0,
    instances: [vastInstance({ id: 901, startDate: Date.now() / 1000 - 7200 }), vastInstance({ id: 902, startDate: Date.now() / 1000 - 7200 })],
  });
  td = await startTensorDockV2Fake({ transitionMs: 0, instances: [tdV2Instance({ id: 'a1b2c3d4-0000-4000-8000-00000000a901', name: 'td-busy' })] });
  const config = parseConfig({
    DATA_DIR: tmp.path,
    PORT: '0',
    HOST: '127.0.0.1',
    CHECK_INTERVAL: '0.001',
    VAST_API_KEY: vast.apiKey,
    VAST_API_URL: vast.url,
    TENSORDOCK_API_TOKEN: td.token,
    TENSORDOCK_API_URL: td.apiUrl,
  });
  // Only the cycle lines are counted; nothing is kept, so the test itself does not grow the heap.
  const logger = createLogger({
    level: 'info',
    sink: (_level, line) => {
      if (!/ cycle \d+: /.test(line)) return;
      cycles++;
      if (waiter && cycles >= waiter.at) {
        const w = waiter;
        waiter = null;
        w.resolve();
      }
    },
  });
  const providers = await createProvidersFromConfig(config, logger, { minIntervalMs: 0, timeoutMs: 5_000, retry: { maxRetries: 1, baseDelayMs: 5 } });
  server = await startController(config, { logger, providers, sshPoller: null });
  for (const id of ['vast:901', 'vast:902']) {
    const token = server.store.createToken(id, Date.now());
    const a = new SimAgent({ url: server.url.replace(/^http/, 'ws') + '/agent', token, gpus: 2, intervalMs: 1_000 });
    await a.connect();
    agents.push(a);
  }
}, 60_000);

afterAll(async () => {
  AbortSignal.prototype.addEventListener = realAdd;
  process.off('warning', onWarning);
  await Promise.all(agents.map((a) => a.close()));
  await server?.close();
  await Promise.all([vast?.close(), td?.close()]);
  tmp.cleanup();
});

describe('the serve loop over 10,000 cycles', () => {
  it('adds no listener per cycle and keeps a flat heap', async () => {
    const heap: number[] = [];
    const listeners: number[] = [];
    let vastLists = 0;
    for (let at = CHECKPOINT_EVERY; at <= CYCLES; at += CHECKPOINT_EVERY) {
      // Busy agents: their instances are kept, and ingest runs alongside the loop.
      for (let i = 0; i < 5; i++) for (const a of agents) a.sendBatch(80);
      await cycleReached(at);
      // The fakes record every request; counted and dropped so the record does not grow the heap being measured.
      vastLists += vast.requests.filter((r) => r.method === 'GET').length;
      vast.requests.length = 0;
      td.requests.length = 0;
      gc();
      listeners.push(liveAbortListeners());
      gc();
      heap.push(process.memoryUsage().heapUsed);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const at = heap.map((_, k) => (k + 1) * CHECKPOINT_EVERY);
    const slopes: number[] = [];
    for (let a = 0; a < heap.length; a++) {
      if (at[a]! < WARM_UP) continue;
      for (let b = a + 1; b < heap.length; b++) slopes.push((heap[b]! - heap[a]!) / (at[b]! - at[a]!));
    }
    const perCycle = median(slopes);
    console.log(
      `long run: ${cycles} cycles; heap MiB at each 1,000: ${heap.map((h) => (h / 2 ** 20).toFixed(1)).join(' ')}; growth ${perCycle.toFixed(0)} B/cycle (median slope from ${WARM_UP}); live abort listeners: ${listeners.join(' ')}`,
    );

    expect(cycles).toBeGreaterThanOrEqual(CYCLES);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
    // The loop's own wait holds at most one listener at a time; HTTP requests in flight may hold a few more.
    expect(Math.max(...listeners)).toBeLessThan(10);
    expect(perCycle).toBeLessThan(HEAP_BYTES_PER_CYCLE_LIMIT);
    // The fakes were really asked every cycle, and the busy instances were never acted on.
    expect(vastLists).toBeGreaterThanOrEqual(CYCLES);
    expect(server.store.listActions({ limit: 10 }).filter((a) => a.kind === 'pause')).toEqual([]);
  }, 600_000); // about 30 s here for 10,000 cycles; a slow shared machine gets room
});
