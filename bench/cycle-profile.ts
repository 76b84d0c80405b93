// Where a 10,000-instance cycle's time goes: the steps of OptimizerCycle.run() (optimizer/cycle.ts) run one by one
// here with a timer around each, on the same fleet as bench/cycle.ts, with the GC time of each cycle and, on
// PostgreSQL, the database round trips of each step. Prints the median of each step; asserts nothing.
//   npx tsx bench/cycle-profile.ts [--n 10000] [--runs 20] [--postgres] [--no-feed] [--statements] [--cpuprofile FILE]
// --no-feed leaves PostgreSQL's sample feed out (the leader then folds in nothing: for seeing the rest of the cycle).
// --statements adds each SQL statement's time; --cpuprofile writes a V8 CPU profile of the timed cycles (not the first).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseConfig } from '../controller/src/config/config';
import { silentLogger } from '../controller/src/log';
import { CostOptimizer } from '../controller/src/compose/cost-optimizer';
import { openStore } from '../controller/src/store';
import { minuteOfSamples } from './cycle';
import { PgDatabase } from '../controller/src/store/sql/pg-database';
import { StoreSampleFeed } from '../controller/src/replicas/store-sample-feed';
import { takeInventory } from '../controller/src/optimizer/steps/inventory';
import { observeTransitions } from '../controller/src/optimizer/steps/observe';
import { accrueSpend, checkBudgets } from '../controller/src/optimizer/steps/spend';
import { SampleCollector } from '../controller/src/optimizer/steps/collect';
import { SilentAgentAlerts } from '../controller/src/optimizer/steps/silent-agents';
import { decideFleet } from '../controller/src/optimizer/steps/decide';
import { planActions } from '../controller/src/optimizer/steps/plan';
import { executePlan } from '../controller/src/optimizer/steps/execute';
import { PauseWarningFollowUp } from '../controller/src/optimizer/steps/pause-warning-follow-up';
import { recordCycle } from '../controller/src/optimizer/steps/record';
import { MemoryProvider, memoryInstance } from '../test/fakes/memory-provider';
import { startThrowawayPostgres } from '../test/helpers/throwaway-postgres';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--n', 10_000);
const RUNS = arg('--runs', 20);
const PG = process.argv.includes('--postgres');
const FEED = !process.argv.includes('--no-feed');

// Round trips: every statement PgDatabase sends (prepared executions, unprepared queries, exec'd text).
// With --statements, each statement's time too (the database's work and the transfer; decoding the rows comes after).
let trips = 0;
const STATEMENTS = process.argv.includes('--statements');
const statementMs = new Map<string, number>();
for (const m of ['execute', 'query', 'exec'] as const) {
  const proto = PgDatabase.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const orig = proto[m]!;
  proto[m] = function (this: unknown, ...a: unknown[]) {
    trips++;
    const t0 = performance.now();
    const out = orig.apply(this, a);
    if (STATEMENTS) {
      const text = m === 'execute' ? (a[1] as { text: string }).text : String(a[0]);
      const k = text.replace(/\s+/g, ' ').slice(0, 110);
      statementMs.set(k, (statementMs.get(k) ?? 0) + performance.now() - t0);
    }
    return out;
  };
}

let gcMs = 0;
let gcCount = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    gcCount++;
  }
}).observe({ entryTypes: ['gc'] });

const phases = new Map<string, { ms: number[]; cpu: number[]; trips: number[]; mb: number[] }>();
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
// Allocation: heap growth over the step, counted only when no GC ran inside it (run with --max-semi-space-size=512 to see it for every step).
function note(name: string, t0: number, c0: number, r0: number, h0: number, gc0: number): void {
  let p = phases.get(name);
  if (!p) phases.set(name, (p = { ms: [], cpu: [], trips: [], mb: [] }));
  p.ms.push(performance.now() - t0);
  p.cpu.push(cpuMs() - c0);
  p.trips.push(trips - r0);
  if (gcCount === gc0) p.mb.push((process.memoryUsage().heapUsed - h0) / 1e6);
}
function timed<T>(name: string, f: () => T): T {
  const [t0, c0, r0, h0, gc0] = [performance.now(), cpuMs(), trips, process.memoryUsage().heapUsed, gcCount];
  const out = f();
  note(name, t0, c0, r0, h0, gc0);
  return out;
}
async function timedAsync<T>(name: string, f: () => Promise<T>): Promise<T> {
  const [t0, c0, r0, h0, gc0] = [performance.now(), cpuMs(), trips, process.memoryUsage().heapUsed, gcCount];
  const out = await f();
  note(name, t0, c0, r0, h0, gc0);
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]!;

async function main(): Promise<void> {
  const pg = PG ? await startThrowawayPostgres() : null;
  const profileTo = process.argv.includes('--cpuprofile') ? process.argv[process.argv.indexOf('--cpuprofile') + 1]! : null;
  const profiler = profileTo === null ? null : new Session();
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
  }
  const dir = mkdtempSync(join(tmpdir(), 'co-bench-profile-'));
  const store = openStore(pg ? pg.createDatabase('profile') : join(dir, 'co.db'));
  const T0 = Date.parse('2026-11-01T00:00:00Z');
  let now = T0;
  const instances = Array.from({ length: N }, (_, i) => memoryInstance(String(100_000 + i), { createdAt: T0 - 86_400_000, pricePerHour: 0.3 + (i % 7) * 0.2 }));
  const provider = new MemoryProvider(instances);
  const config = parseConfig({ DATA_DIR: dir, DRY_RUN: 'true' });
  const opt = new CostOptimizer(config, { store, now: () => now, sshPoller: null, logger: silentLogger, executor: { verifyAttempts: 1, verifyDelayMs: 0 } });
  opt.addProvider('vast', provider);
  const d = opt.cycle.deps;
  // The steps' own state, as OptimizerCycle keeps it.
  const collector = new SampleCollector(d);
  const silent = new SilentAgentAlerts({ ...d, agentSilentSec: d.config.agentSilentSec });
  const warnings = new PauseWarningFollowUp(d);
  const feed = store.shared && FEED ? new StoreSampleFeed(store, d.idle, silentLogger, 30_000) : null;
  d.idle.load(now);
  let cycles = 0;
  let previous: ReturnType<typeof decideFleet> | undefined;
  const totals: number[] = [];
  const cpuTotals: number[] = [];
  const gcs: number[] = [];
  const tripTotals: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    if (r > 0) {
      const inputs = minuteOfSamples(instances, now);
      now += 60_000;
      store.insertSamples(inputs, now);
    }
    if (r === 1) phases.clear(); // the first cycle (start-up load) is not counted
    if (r === 1 && profiler) await profiler.post('Profiler.start');
    await new Promise((res) => setImmediate(res)); // GC entries of the insert land before the cycle's count starts
    const gc0 = gcMs;
    const r0 = trips;
    const t0 = performance.now();
    const c0 = cpuMs();
    if (feed) timed('sample feed', () => feed.poll());
    cycles++;
    const inventory = await timedAsync('inventory (list, upsert, listInstances)', () => takeInventory(d, now));
    timed('observe (idle clocks <- inventory)', () => observeTransitions(d, inventory, now));
    timed('spend + budgets', () => {
      accrueSpend(d, inventory.current, now);
      checkBudgets(d, inventory.records, now);
    });
    const ssh = await timedAsync('collect (provider samples)', () => collector.collect(inventory.current, inventory.listed, now));
    timed('persist idle states (each 10th: all dirty)', () => d.idle.persist(cycles % 10 === 1));
    timed('silent agents', () => silent.check(inventory.records, now));
    const fleet = timed('decide (inputs + engine)', () => decideFleet(d, inventory.current, now, previous));
    previous = fleet;
    const planned = timed('plan', () =>
      planActions(
        fleet.decisions,
        { get: (id) => fleet.inputs.get(id)?.instance },
        { publicUrl: d.config.publicUrl ?? null, deleteThresholdHours: d.config.deleteThresholdHours },
      ),
    );
    const actions = await timedAsync('execute (executor bookkeeping)', () => executePlan(d, planned));
    timed('pause-warning follow-up', () => warnings.follow(fleet.decisions, actions, fleet.inputs));
    timed('persist idle states (urgent)', () => d.idle.persist(false));
    timed('record', () =>
      recordCycle(d, { at: now, durationMs: 0, providers: inventory.outcomes, decisions: fleet.decisions, actions, ssh }, cycles, inventory.records.length),
    );
    const total = performance.now() - t0;
    await new Promise((res) => setImmediate(res));
    if (r > 0) {
      totals.push(total);
      cpuTotals.push(cpuMs() - c0);
      gcs.push(gcMs - gc0);
      tripTotals.push(trips - r0);
    }
  }
  if (profiler && profileTo !== null) writeFileSync(profileTo, JSON.stringify((await profiler.post('Profiler.stop')).profile));
  console.log(
    `${N} instances, ${RUNS} cycles, ${PG ? `PostgreSQL${FEED ? '' : ' (sample feed left out)'}` : 'SQLite'}; medians (ms), p90 in brackets; CPU time (all threads)`,
  );
  for (const [name, p] of phases) {
    console.log(
      `  ${name.padEnd(46)} ${median(p.ms).toFixed(1).padStart(7)} (${p90(p.ms).toFixed(1).padStart(6)}) cpu ${median(p.cpu).toFixed(1).padStart(6)}${p.mb.length ? `  ${median(p.mb).toFixed(1).padStart(5)} MB` : '     - MB'}${PG ? `  ${median(p.trips)} round trips (max ${Math.max(...p.trips)})` : ''}`,
    );
  }
  console.log(`  ${'GC during the cycle'.padEnd(46)} ${median(gcs).toFixed(1).padStart(7)} (${p90(gcs).toFixed(1).padStart(6)})`);
  console.log(
    `  ${'whole cycle'.padEnd(46)} ${median(totals).toFixed(1).padStart(7)} (${p90(totals).toFixed(1).padStart(6)}) cpu ${median(cpuTotals).toFixed(1).padStart(6)}${PG ? `  ${median(tripTotals)} round trips` : ''}`,
  );
  if (STATEMENTS) {
    console.log('statements, ms per cycle (all cycles, the first included):');
    for (const [k, ms] of [...statementMs].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${(ms / (RUNS + 1)).toFixed(1).padStart(7)}  ${k}`);
  }
  await opt.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  await pg?.stop();
}

void main();
