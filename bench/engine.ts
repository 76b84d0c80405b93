// Engine benchmark (`npm run bench:engine`): decide() over fleets of 1,000 and 10,000 instances, and observeSample's
// per-sample cost, with idle states built from realistic sample streams. Prints medians (and the whole cycle's p90);
// asserts nothing.
//
// `buildFleet` is exported for the whole-cycle benchmark (store + decide + executor planning).
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import type { EngineConfig } from '../controller/src/config/config';
import type { MetricSource } from '../controller/src/domain/instance';
import type { SampleSummary } from '../controller/src/domain/sample';
import {
  decide,
  type EngineInstance,
  type IdleState,
  observeInventory,
  observeSample,
  parseIdleState,
  serializeIdleState,
} from '../controller/src/engine/index';
import { prng } from '../test/support/engine-scenario-kit';
import { engineConfig, engineInstance, HOUR, MIN } from '../test/support/engine-test-kit';
import { benchCycle } from './cycle';
import { startThrowawayPostgres } from '../test/helpers/throwaway-postgres';

export interface Fleet {
  instances: EngineInstance[];
  idle: Map<string, IdleState>;
  cfg: EngineConfig;
  now: number;
  /** Samples folded into the idle states while building, and how long that took (ms). */
  samples: number;
  observeMs: number;
}

type Profile = 'training' | 'idle' | 'idle-gappy' | 'bursty' | 'mig-unknown' | 'provider-only' | 'stopped' | 'young' | 'protected';
const PROFILES: [Profile, number][] = [
  ['training', 0.45],
  ['idle', 0.15],
  ['idle-gappy', 0.05],
  ['bursty', 0.1],
  ['mig-unknown', 0.03],
  ['provider-only', 0.07],
  ['stopped', 0.1],
  ['young', 0.03],
  ['protected', 0.02],
];

/**
 * A fleet of `n` instances with IdleStates built sample by sample through observeSample/observeInventory:
 * `historyMinutes` of 10 s agent samples (60 s for provider readings) per running instance, in the mix above.
 */
export function buildFleet(n: number, opts: { historyMinutes?: number; seed?: number; cfg?: EngineConfig; now?: number } = {}): Fleet {
  const cfg = opts.cfg ?? engineConfig();
  const now = opts.now ?? Date.UTC(2025, 0, 1);
  const history = (opts.historyMinutes ?? 45) * MIN;
  const rnd = prng(opts.seed ?? 1);
  const instances: EngineInstance[] = [];
  const idle = new Map<string, IdleState>();
  let samples = 0;
  let observeMs = 0;
  for (let i = 0; i < n; i++) {
    const profile = pick(rnd());
    const id = String(10_000_000 + i);
    const start = now - history;
    const state = profile === 'stopped' ? 'stopped' : 'running';
    const inst = engineInstance({
      id: `vast:${id}`,
      providerId: id,
      name: profile === 'protected' ? `job-${i} [protect]` : `job-${i}`,
      state,
      rawState: state === 'stopped' ? 'exited' : 'running',
      createdAt: profile === 'young' ? now - 20 * MIN : now - (2 + rnd() * 200) * HOUR,
      numGpus: 1 + Math.floor(rnd() * 8),
      holdUntil: rnd() < 0.01 ? now + HOUR : null,
      deleteWarnedAt: profile === 'stopped' && rnd() < 0.3 ? now - 2 * HOUR : null,
    });
    let st: IdleState = observeInventory(null, { state: 'running' }, start - (profile === 'stopped' ? 30 * HOUR : 0), cfg);
    const stream = profile === 'stopped' ? [] : samplesFor(profile, start, now, rnd);
    const t0 = performance.now();
    for (const s of stream) st = observeSample(st, s, cfg);
    observeMs += performance.now() - t0;
    samples += stream.length;
    st = observeInventory(st, { state }, now - 30_000, cfg);
    instances.push(inst);
    idle.set(inst.id, st);
  }
  return { instances, idle, cfg, now, samples, observeMs };
}

function pick(r: number): Profile {
  let acc = 0;
  for (const [p, w] of PROFILES) if (r < (acc += w)) return p;
  return 'training';
}

function samplesFor(profile: Profile, start: number, now: number, rnd: () => number): SampleSummary[] {
  const source: MetricSource = profile === 'provider-only' ? 'provider' : 'agent';
  const step = source === 'provider' ? 60_000 : 10_000;
  const out: SampleSummary[] = [];
  let burst = false;
  for (let t = start + Math.floor(rnd() * step); t + step <= now; t += step) {
    if (profile === 'idle-gappy' && rnd() < 0.01) t += 4 * MIN; // a lost connection now and then
    if (profile === 'bursty' && rnd() < 0.02) burst = !burst;
    let util: number | null;
    if (profile === 'training') util = 60 + rnd() * 40;
    else if (profile === 'bursty') util = burst ? 50 + rnd() * 50 : rnd() * 5;
    else if (profile === 'mig-unknown') util = null;
    else util = rnd() * 6;
    out.push({
      t0: t,
      t1: t + step,
      source,
      utilMax: util,
      utilMean: util === null ? null : util * 0.8,
      unknown: util === null,
      count: step / 1000,
      memUsedMiB: 1000,
      memTotalMiB: 24_576,
      procs: util !== null && util > 10 ? 1 : 0,
    });
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median wall time of `runs` calls (ms). On a shared machine also look at `cpuMs`: wall time includes waiting for a core. */
function timeRuns(runs: number, f: () => void): number {
  return timeRunsCpu(runs, f).wallMs;
}

function timeRunsCpu(runs: number, f: () => void): { wallMs: number; cpuMs: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const a = performance.now();
    f();
    wall.push(performance.now() - a);
    const u = process.cpuUsage(c);
    cpu.push((u.user + u.system) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}`);
  for (const n of [1_000, 10_000]) {
    const fleet = buildFleet(n);
    const { instances, idle, cfg, now } = fleet;
    for (let i = 0; i < 5; i++) decide(instances, idle, cfg, now); // warm-up (JIT)
    const { wallMs: decideMs, cpuMs: decideCpu } = timeRunsCpu(n >= 10_000 ? 21 : 51, () => decide(instances, idle, cfg, now));
    const kinds: Record<string, number> = {};
    for (const d of decide(instances, idle, cfg, now)) kinds[d.kind] = (kinds[d.kind] ?? 0) + 1;

    // observeSample steady state: one more 10 s sample for every instance, as ingest would fold them in.
    const states = [...idle.values()];
    const next = (k: number) =>
      ({
        t0: now + k * 10_000,
        t1: now + (k + 1) * 10_000,
        source: 'agent',
        utilMax: 3,
        utilMean: 2,
        unknown: false,
        count: 10,
        memUsedMiB: 1,
        memTotalMiB: 2,
        procs: 0,
      }) as SampleSummary;
    let k = 0;
    const perRound = timeRuns(9, () => {
      const s = next(k++);
      for (let i = 0; i < states.length; i++) states[i] = observeSample(states[i]!, s, cfg);
    });

    const json = states.map(serializeIdleState);
    const bytes = json.reduce((a, j) => a + j.length, 0);
    const serializeMs = timeRuns(5, () => states.forEach(serializeIdleState));
    const parseMs = timeRuns(5, () => json.forEach((j) => parseIdleState(j)));

    console.log(`\nfleet of ${n.toLocaleString('en-US')} instances (decisions: ${JSON.stringify(kinds)})`);
    console.log(
      `  decide(), median:                 ${decideMs.toFixed(1)} ms wall, ${decideCpu.toFixed(1)} ms CPU  (${((decideMs * 1000) / n).toFixed(2)} us/instance)`,
    );
    console.log(
      `  observeSample, building history:  ${Math.round(fleet.samples / (fleet.observeMs / 1000)).toLocaleString('en-US')} samples/s (${fleet.samples.toLocaleString('en-US')} samples)`,
    );
    console.log(
      `  observeSample, steady state:      ${Math.round(n / (perRound / 1000)).toLocaleString('en-US')} samples/s (median of one sample per instance)`,
    );
    console.log(
      `  IdleState JSON:                   ${Math.round(bytes / n)} B/instance; serialize all ${serializeMs.toFixed(1)} ms, parse all ${parseMs.toFixed(1)} ms`,
    );
  }
  for (const n of [1_000, 10_000]) {
    const c = await benchCycle(n);
    console.log(
      `\nwhole cycle, ${n.toLocaleString('en-US')} instances (CostOptimizer.runOnce: inventory upsert, idle states, decide, plan, executor bookkeeping; SQLite store; provider latency excluded):`,
    );
    console.log(
      `  median ${c.medianMs.toFixed(0)} ms, p90 ${c.p90Ms.toFixed(0)} ms over ${c.timesMs.length} cycles (every tenth cycle saves the idle states that changed); first cycle, with start-up load: ${c.firstMs.toFixed(0)} ms`,
    );
    console.log(`  CPU time (all threads): median ${c.cpuMedianMs.toFixed(0)} ms, p90 ${c.cpuP90Ms.toFixed(0)} ms`);
  }
  if (process.argv.includes('--postgres')) {
    // The same cycle on PostgreSQL (docs/scale-out.md): a throwaway local cluster, fsync off (it measures the
    // controller's work per cycle, not the disk), the leader reading back every sample stored since its last cycle.
    const pg = await startThrowawayPostgres();
    try {
      for (const n of [1_000, 10_000]) {
        const c = await benchCycle(n, 20, pg.createDatabase(`bench_${n}`));
        console.log(`\nwhole cycle, ${n.toLocaleString('en-US')} instances, PostgreSQL store (the leader's cycle, sample feed included):`);
        console.log(
          `  median ${c.medianMs.toFixed(0)} ms, p90 ${c.p90Ms.toFixed(0)} ms over ${c.timesMs.length} cycles; first cycle ${c.firstMs.toFixed(0)} ms; CPU median ${c.cpuMedianMs.toFixed(0)} ms (this process; PostgreSQL's own CPU not counted)`,
        );
      }
    } finally {
      await pg.stop();
    }
  }
  console.log('\ntarget (docs/architecture.md): engine + cycle for 10,000 instances < 200 ms');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
