// Dashboard benchmark: GET / at N instances (default 1,000) on the real controller (compose/start-controller.ts: store, optimizer, dashboard
// route) with a 3-hour sample history for every instance, so the sparklines read real rows. Reports the median
// server time of one page (Hono's app.request, no socket) and over HTTP on loopback, and checks that a refresh is
// one request: the page links no stylesheet, image or font, and its only script is versioned and cached for good.
//   npm run bench:dashboard            BENCH_INSTANCES=1000 BENCH_RUNS=21 BENCH_SAMPLE_SECONDS=10 BENCH_HOURS=3
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../controller/src/config/config';
import { silentLogger } from '../controller/src/log';
import { startController } from '../controller/src/compose/start-controller';
import type { SampleInput } from '../controller/src/store';
import { MemoryProvider, memoryInstance } from '../test/fakes/memory-provider';
import { oneGpu } from './one-gpu';

const N = Number(process.env.BENCH_INSTANCES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const STEP_S = Number(process.env.BENCH_SAMPLE_SECONDS ?? 10);
const HOURS = Number(process.env.BENCH_HOURS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'co-bench-dash-'));
  const T0 = Date.now() - HOURS * 3_600_000;
  let now = T0;
  const instances = Array.from({ length: N }, (_, i) =>
    memoryInstance(String(200_000 + i), {
      name: i % 20 === 0 ? `job-${i} [idle=2h]` : `job-${i}`,
      createdAt: T0 - 86_400_000,
      pricePerHour: 0.3 + (i % 7) * 0.2,
      state: i % 5 === 0 ? 'stopped' : 'running',
    }),
  );
  const provider = new MemoryProvider(instances);
  const config = parseConfig({ DATA_DIR: dir, PORT: '0', DRY_RUN: 'true', ADMIN_TOKEN: 'bench-admin-token-0123456789' });
  const server = await startController(config, { logger: silentLogger, now: () => now, providers: [provider], loop: false, sshPoller: null });
  const opt = server.optimizer;
  const setupStart = performance.now();
  await opt.runOnce();
  // HOURS of samples for every running instance, one every STEP_S seconds, written a few minutes at a time.
  const chunk = 5 * 60_000;
  for (let t = T0; t < T0 + HOURS * 3_600_000; t += chunk) {
    const inputs: SampleInput[] = [];
    for (let i = 0; i < N; i++) {
      if (i % 5 === 0) continue;
      for (let s = t; s < t + chunk; s += STEP_S * 1000) {
        const util = i % 10 === 1 ? 1 : 40 + ((s / 1000 + i) % 60);
        inputs.push({
          instanceId: instances[i]!.id,
          source: 'agent',
          t0: s,
          t1: s + STEP_S * 1000,
          gpus: [oneGpu(STEP_S, { min: util, mean: util, max: util })],
          procs: 1,
          health: { state: 'ok' },
          run: null,
        });
      }
    }
    now = t + chunk;
    server.store.insertSamples(inputs, now);
  }
  await opt.runOnce();
  const setupS = (performance.now() - setupStart) / 1000;

  const auth = { authorization: 'Bearer bench-admin-token-0123456789' };
  const first = await server.app.request('/', { headers: auth });
  const html = await first.text();
  if (first.status !== 200) throw new Error(`GET / answered ${first.status}`);
  const rows = (html.match(/<tr id="i-/g) ?? []).length;
  const subresources = [...html.matchAll(/<(?:link|img|script|iframe)\b[^>]*(?:src|href)="([^"]*)"/g)].map((m) => m[1]!).filter((u) => !u.startsWith('data:'));
  const script = subresources.find((u) => u.startsWith('/ui/dashboard.js'));
  const cache = script ? (await server.app.request(script, { headers: auth })).headers.get('cache-control') : null;

  const inProcess: number[] = [];
  const overHttp: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let a = performance.now();
    const res = await server.app.request('/', { headers: auth });
    await res.text();
    inProcess.push(performance.now() - a);
    a = performance.now();
    const h = await fetch(`${server.url}/`, { headers: auth });
    await h.text();
    overHttp.push(performance.now() - a);
  }
  await server.close();
  rmSync(dir, { recursive: true, force: true });

  const f = (x: number) => x.toFixed(1);
  console.log(
    `dashboard, ${N} instances (${rows} rows drawn), ${HOURS} h of ${STEP_S} s samples each; setup ${setupS.toFixed(0)} s; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `  page: ${(html.length / 1024).toFixed(0)} KiB; subresources other than data: URLs: ${subresources.length === 0 ? 'none' : subresources.join(', ')}${script ? ` (cache-control: ${cache})` : ''}`,
  );
  console.log(
    `  server time (app.request), ${RUNS} runs: median ${f(median(inProcess))} ms, p90 ${f(pct(inProcess, 0.9))} ms, min ${f(Math.min(...inProcess))} ms (target < 100 ms)`,
  );
  console.log(`  over HTTP on loopback:           median ${f(median(overHttp))} ms, p90 ${f(pct(overHttp, 0.9))} ms`);
  console.log(
    `  verdict: ${median(inProcess) < 100 ? 'met' : 'NOT met'}; one request per refresh: ${subresources.every((u) => u === script) && /immutable/.test(cache ?? 'immutable') ? 'yes (the only script is versioned and cached for good)' : 'NO'}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
