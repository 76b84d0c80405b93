// npm run simulate: measured savings. Runs the seed's three scenarios (A: one GPU idle 12 h a day, B: five forgotten
// GPUs, C: batch workloads), the main fleet (>= 200 instances on the three provider fakes, all nine workloads, a
// simulated week) and the probe that once caught a wrong pause (a bursty Vast host whose agent is cut off), each
// through the real ingest path, store, engine, executor and provider clients in virtual time (test/sim/harness.ts).
// Prints the tables and writes bench/results/simulate-<date>.{json,md}. Exits 1 on any wrong or duplicated action or
// lost sample.
//
//   npm run simulate                         # A, B, C, the fleet and the probe, default sizes
//   npm run simulate -- --instances 400 --days 3 --only fleet,A
//   npm run simulate -- --only faults        # the long-form fault runs (also: npm run soak)
//   SIM_INSTANCES=200 SIM_DAYS=7 SIM_JOBS=2 npm run simulate
//   npm run simulate -- --env NET_BUSY_MB_S=0,CPU_BUSY_PERCENT=0   # controller settings for every run (SIM_ENV)
// Flags (or env): --instances N (SIM_INSTANCES, 200), --days D (SIM_DAYS, 7), --seed S (SIM_SEED, 1),
// --jobs J (SIM_JOBS, CPU count capped at 2): runs go to J child processes; --only a,b (A, B, C, fleet, probe by
// default; faults adds the long-form fault runs, which npm run soak also runs).
// The SQLite files go to /dev/shm when it exists: the simulator measures decisions, not the disk.
// --postgres (or SIM_POSTGRES=1): each run keeps its store in its own database of a throwaway PostgreSQL cluster
// (docs/scale-out.md); the figures must be the same as on SQLite.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSimulation, type SimOptions } from '../test/sim/harness';
import { startThrowawayPostgres } from '../test/helpers/throwaway-postgres';
import { FAULT_RUNS, faultRun, mainFleet, scenarioA, scenarioB, scenarioC, vastProviderFallbackRun } from '../test/sim/scenarios';
import { faultTable, integrityLine, markdownTable, type SimReport } from '../test/sim/sim-report';

const here = dirname(fileURLToPath(import.meta.url));

function arg(name: string, env: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1]!;
  return process.env[env] ?? def;
}

const INSTANCES = Number(arg('instances', 'SIM_INSTANCES', '200'));
const DAYS = Number(arg('days', 'SIM_DAYS', '7'));
const SEED = Number(arg('seed', 'SIM_SEED', '1'));
const JOBS = Math.max(1, Number(arg('jobs', 'SIM_JOBS', String(Math.min(2, cpus().length)))));
const ONLY = arg('only', 'SIM_ONLY', 'A,B,C,fleet,probe')
  .split(',')
  .map((s) => s.trim());
const TMP_ROOT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const POSTGRES = process.argv.includes('--postgres') || process.env['SIM_POSTGRES'] === '1';
/** Controller settings for every run, `NAME=value,...`: how the defaults of NET_BUSY_MB_S and friends were chosen. */
const SIM_ENV: Record<string, string> = Object.fromEntries(
  arg('env', 'SIM_ENV', '')
    .split(',')
    .filter((kv) => kv.includes('='))
    .map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1).trim()]),
);

if (!Number.isInteger(INSTANCES) || INSTANCES < 1) throw new Error(`--instances must be a whole number >= 1, got ${INSTANCES}`);
if (!(DAYS > 0 && DAYS <= 7)) throw new Error(`--days must be in (0, 7] (the traces are a week long), got ${DAYS}`);

/** Every run of this invocation by job name, in print order. */
function jobs(): Map<string, SimOptions> {
  const m = new Map<string, SimOptions>();
  if (ONLY.includes('fleet')) m.set('fleet', mainFleet(INSTANCES, DAYS, SEED));
  if (ONLY.includes('A')) m.set('A', scenarioA(DAYS, SEED));
  if (ONLY.includes('B')) m.set('B', scenarioB(DAYS, SEED));
  if (ONLY.includes('C')) m.set('C', scenarioC(DAYS, SEED));
  if (ONLY.includes('faults')) for (const f of FAULT_RUNS) m.set(`fault:${f}`, faultRun(f, { form: 'long', seed: SEED }));
  if (ONLY.includes('probe')) m.set('probe:vast-provider-fallback', vastProviderFallbackRun(4, SEED));
  if (Object.keys(SIM_ENV).length > 0) for (const [k, o] of m) m.set(k, { ...o, env: { ...(o.env ?? {}), ...SIM_ENV } });
  return m;
}

/** Child mode: run one job and write its report as JSON. */
async function child(name: string, out: string): Promise<void> {
  const o = jobs().get(name);
  if (!o) throw new Error(`unknown job ${name}`);
  let pg: Awaited<ReturnType<typeof startThrowawayPostgres>> | null = null;
  if (POSTGRES) pg = await startThrowawayPostgres();
  const report = await runSimulation({
    ...o,
    ...(pg === null ? {} : { databaseUrl: pg.createDatabase('sim') }),
    tmpRoot: TMP_ROOT,
    progressEvery: 1440,
    onProgress: (c, n) => process.stderr.write(`  [${name}] day ${(c / 1440).toFixed(0)}/${(n / 1440).toFixed(1)}\n`),
  });
  writeFileSync(out, JSON.stringify(report));
  await pg?.stop();
}

function runChild(name: string, dir: string): Promise<SimReport> {
  const out = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`);
  const args = [
    join(here, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'),
    fileURLToPath(import.meta.url),
    '--job',
    name,
    '--out',
    out,
    ...process.argv.slice(2),
  ];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(readFileSync(out, 'utf8')) as SimReport) : reject(new Error(`job ${name} exited with ${code}`))));
  });
}

const usd = (x: number) => `$${x.toFixed(2)}`;

function render(reports: SimReport[], wallMs: number): string {
  const lines: string[] = [];
  lines.push(`# Simulation results (${new Date().toISOString().slice(0, 10)})`, '');
  lines.push(
    `Command: \`npm run simulate -- ${process.argv.slice(2).join(' ')}\`; store: ${POSTGRES ? 'PostgreSQL (a throwaway cluster per run)' : 'SQLite'}; ${JOBS} parallel job(s); wall time ${(wallMs / 1000).toFixed(0)} s on ${cpus().length} cores (load average at the end ${loadavg()[0]!.toFixed(1)}).`,
  );
  lines.push(
    'Every instance plays its trace through the real agent aggregation and batch protocol, the store, the engine, the executor and the provider clients against the provider fakes; one CHECK_INTERVAL (60 s) cycle per simulated minute.',
    '',
  );
  const s = reports[0]?.settings;
  if (s)
    lines.push(
      `Settings: ${Object.entries(s)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}.`,
      '',
    );
  lines.push('## Savings per scenario', '');
  lines.push(
    '| run | instances | days | $ without | $ with | $ saved | saved % | wrong pauses | wrong deletes | missed idle h | duplicated actions | samples lost | wall s | CPU s |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of reports) {
    const t = r.totals;
    lines.push(
      `| ${r.name} | ${r.instances} | ${r.days.toFixed(2)} | ${usd(t.costWithoutUsd)} | ${usd(t.costWithUsd)} | ${usd(t.savedUsd)} | ${t.savedPct.toFixed(1)} % | ${t.wrongPauses} | ${t.wrongDeletes} | ${t.missedIdleHours.toFixed(1)} | ${r.integrity.actionsDuplicated} | ${r.integrity.samplesLost} | ${(r.wallMs / 1000).toFixed(0)} | ${(r.timing.cpuMs / 1000).toFixed(0)} |`,
    );
  }
  for (const r of reports) {
    lines.push('', `## ${r.name}`, '', markdownTable(r), '', integrityLine(r.integrity), '');
    lines.push(
      `Per cycle CPU: agents+protocol ${(r.timing.agentsMs / r.cycles).toFixed(1)} ms, store inserts ${(r.timing.ingestMs / r.cycles).toFixed(1)} ms, CostOptimizer.runOnce ${(r.timing.cycleMs / r.cycles).toFixed(1)} ms (${r.cycles} cycles).`,
    );
    if (r.faults.length) lines.push('', faultTable(r.faults));
    for (const w of r.wrongActions) {
      lines.push('', `WRONG ${w.kind.toUpperCase()}: ${w.instanceId} (${w.key}, ${w.trace}) at ${w.at} (trace second ${w.atSec}); ${w.truth}`);
      if (w.audit) lines.push(`  audit: ${w.audit.status}: ${w.audit.reason}; figures ${JSON.stringify(w.audit.figures)}`);
    }
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const jobIdx = process.argv.indexOf('--job');
  if (jobIdx >= 0) return child(process.argv[jobIdx + 1]!, process.argv[process.argv.indexOf('--out') + 1]!);
  const all = jobs();
  const names = [...all.keys()];
  console.log(`simulate: ${names.join(', ')}; ${INSTANCES} fleet instances, ${DAYS} days, seed ${SEED}, ${JOBS} job(s) in parallel`);
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'co-simulate-'));
  const results = new Map<string, SimReport>();
  const queue = [...names];
  try {
    await Promise.all(
      Array.from({ length: Math.min(JOBS, names.length) }, async () => {
        for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
          const r = await runChild(n, dir);
          results.set(n, r);
          console.log(
            `  done: ${r.name}: saved ${usd(r.totals.savedUsd)} of ${usd(r.totals.costWithoutUsd)}, wrong pauses ${r.totals.wrongPauses}, wrong deletes ${r.totals.wrongDeletes} (${(r.wallMs / 1000).toFixed(0)} s)`,
          );
        }
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const wallMs = Date.now() - started;
  const reports = names.map((n) => results.get(n)!);
  const md = render(reports, wallMs);
  console.log('\n' + md);
  const outDir = join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  writeFileSync(join(outDir, `simulate-${stamp}.md`), md);
  writeFileSync(join(outDir, `simulate-${stamp}.json`), JSON.stringify({ command: process.argv.slice(2), wallMs, jobs: JOBS, reports }, null, 1));
  console.log(`written: bench/results/simulate-${stamp}.md and .json`);
  const wrong = reports.reduce((n, r) => n + r.totals.wrongPauses + r.totals.wrongDeletes + r.integrity.actionsDuplicated + r.integrity.samplesLost, 0);
  if (wrong > 0) {
    console.error(`simulate: ${wrong} wrong actions, duplicated actions or lost samples (see above)`);
    process.exitCode = 1;
  }
}

await main();
