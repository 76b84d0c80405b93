// Ingest benchmark: the built controller as a child process, N simulated agents (in a few worker processes), each
// sending one 8-GPU batch every 10 s, spread evenly. Prints committed batches/s, ack latency p50/p99, controller RSS
// and CPU over the run. Target (docs/architecture.md): 10,000 agents, ack p99 < 1 s, < 1 core.
//   npm run bench:ingest                  (1000 agents, 60 s, SQLite)
//   BENCH_AGENTS=10000 npm run bench:ingest
//   BENCH_POSTGRES=1 npm run bench:ingest (or -- --postgres): the controller on a throwaway PostgreSQL cluster
//   BENCH_REPLICAS=2 npm run bench:ingest: two `serve` replicas on one PostgreSQL (implies it), N agents EACH; the
//     agents of replica k connect to replica k; PostgreSQL's CPU (postmaster and backends) is reported too
// Env: BENCH_AGENTS (or argv[2]; per replica), BENCH_SECONDS (60), BENCH_WORKERS (per replica), BENCH_GPUS (8),
// BENCH_INTERVAL_MS (10000), BENCH_DATA_PARENT (where the temporary DATA_DIR goes; default the OS temp dir),
// BENCH_TLS=1 (the controller serves wss:// with a self-signed certificate made by openssl; agents verify it as their
// only CA: handshakes included). Each agent is one socket in a worker and one in a controller: the open-file limit
// (ulimit -n) must exceed the agents per process; the script checks and says so. A markdown summary goes to
// bench/results/ingest-<time>.md (BENCH_NO_RESULT_FILE=1: not).
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../controller/src/store/store';
import { dbPath } from '../controller/src/store/open-db';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../test/helpers/throwaway-postgres';
import { type BenchController, startBenchController } from './ingest-controller';
import { type IngestSummary, pct, printSummary, type ReplicaFigures, writeResultFile } from './ingest-report';
import type { WorkerJob, WorkerReport } from './ingest-worker';
import { postmasterPid, procStats, TICKS_PER_SEC, treeCpuTicks } from './proc-stats';
import { selfSigned } from '../test/helpers/tls-certs';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');

function nofileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const v = line?.split(/\s{2,}/)[1];
  return v === undefined || v === 'unlimited' ? Infinity : Number(v);
}

/** One controller and its agents' workers, with what they reported. */
interface Replica {
  ctl: BenchController;
  workers: ChildProcess[];
  reports: Map<number, WorkerReport>;
  latencyWindow: number[];
  connectMs: number[];
  connectSec: number | null;
  /** RSS samples (MiB): all of the run (peak), and the measured window (steady). */
  rssAll: number[];
  rssWindow: number[];
  cpuSamples: number[];
}

const sum = (r: Replica, k: 'connected' | 'sent' | 'acked' | 'connectErrors') => [...r.reports.values()].reduce((s, x) => s + x[k], 0);

async function main(): Promise<void> {
  const agentsN = Number(process.env.BENCH_AGENTS ?? process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 60);
  const gpus = Number(process.env.BENCH_GPUS ?? 8);
  const intervalMs = Number(process.env.BENCH_INTERVAL_MS ?? 10_000);
  const workersN = Number(process.env.BENCH_WORKERS ?? Math.max(1, Math.min(4, Math.ceil(agentsN / 2500))));
  const replicasN = Number(process.env.BENCH_REPLICAS ?? 1);
  const connectTimeoutSec = Number(process.env.BENCH_CONNECT_TIMEOUT_S ?? 300);
  if (![agentsN, seconds, gpus, intervalMs, workersN, replicasN].every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error('BENCH_AGENTS, BENCH_SECONDS, BENCH_GPUS, BENCH_INTERVAL_MS, BENCH_WORKERS and BENCH_REPLICAS must be positive whole numbers');
  }
  // Replicas share a database: only PostgreSQL allows that.
  const postgres = process.env.BENCH_POSTGRES === '1' || process.argv.includes('--postgres') || replicasN > 1;
  const tls = process.env.BENCH_TLS === '1';
  const totalAgents = agentsN * replicasN;
  const limit = nofileLimit();
  const perWorker = Math.ceil(agentsN / workersN);
  console.log(`open-file limit ${limit}; each controller needs ~${agentsN + 100}, each worker ~${perWorker + 100}`);
  if (limit < agentsN + 100) {
    console.error(`ulimit -n is ${limit}: raise it (ulimit -n ${agentsN + 1024}) before benchmarking ${agentsN} agents`);
    process.exit(2);
  }

  const dataDir = mkdtempSync(join(process.env.BENCH_DATA_PARENT ?? tmpdir(), 'co-bench-ingest-'));
  const children: ChildProcess[] = [];
  let pg: ThrowawayPostgres | null = null;
  const cleanup = () => {
    for (const c of children) c.kill('SIGKILL');
    pg?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  const loadStart = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  try {
    let databaseUrl: string | null = null;
    let pgPid: number | null = null;
    if (postgres) {
      pg = await startThrowawayPostgres();
      databaseUrl = pg.createDatabase('bench_ingest');
      pgPid = postmasterPid(pg.port);
      console.log(`PostgreSQL on port ${pg.port} (postmaster pid ${pgPid ?? 'not found: its CPU will not be reported'})`);
    }
    // Tokens straight into the database before the controllers open it: fast, and the same code path.
    const t0 = Date.now();
    const store = openStore(databaseUrl ?? dbPath(dataDir));
    const tokens = store.transaction(() => Array.from({ length: totalAgents }, (_, i) => store.createToken(`manual:bench-${i}`, Date.now())));
    store.close();
    console.log(`minted ${totalAgents} tokens in ${Date.now() - t0} ms`);

    const pair = tls ? selfSigned(dataDir, 'bench') : undefined;
    const cert = pair === undefined ? undefined : { certFile: pair.certFile, keyFile: pair.keyFile, pem: pair.cert.toString('utf8') };
    // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of each controller there (stopped with SIGTERM to flush it).
    const profDir = process.env.BENCH_CPU_PROF;
    const names = Array.from({ length: replicasN }, (_, r) => (replicasN === 1 ? 'controller' : `replica-${String.fromCharCode(97 + r)}`));
    const ctls = await Promise.all(
      names.map(async (name) => {
        const ownDir = replicasN === 1 ? dataDir : join(dataDir, name);
        mkdirSync(ownDir, { recursive: true, mode: 0o700 });
        const env: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl, REPLICA_ID: name } : {};
        return startBenchController({ root: ROOT, name, dataDir: ownDir, tls: cert, env, profDir });
      }),
    );
    for (const c of ctls) children.push(c.proc);
    console.log(
      `${ctls.map((c) => `${c.name} pid ${c.proc.pid} on port ${c.port}`).join(', ')} (${tls ? 'TLS' : 'plain'}, ${postgres ? 'PostgreSQL' : 'SQLite'}); ` +
        `starting ${workersN} worker(s) per controller with ${agentsN} agents x ${gpus} GPUs each, one batch per ${intervalMs} ms each`,
    );

    // BENCH_VERBOSE=1: one line per second (acks, p50/p99 of that second, controller CPU) to see periodic stalls.
    const verbose = process.env.BENCH_VERBOSE === '1';
    let secondWindow: number[] = [];
    let measuring = false;
    const pgTicksConnectStart = pgPid ? treeCpuTicks(pgPid) : null;
    const connectStart = Date.now();
    const replicas: Replica[] = ctls.map((ctl, r) => {
      const rep: Replica = {
        ctl,
        workers: [],
        reports: new Map(),
        latencyWindow: [],
        connectMs: [],
        connectSec: null,
        rssAll: [],
        rssWindow: [],
        cpuSamples: [],
      };
      for (let w = 0; w < workersN; w++) {
        const first = r * agentsN + w * perWorker;
        const slice = tokens.slice(first, Math.min(first + perWorker, (r + 1) * agentsN));
        const child = fork(fileURLToPath(new URL('./ingest-worker.ts', import.meta.url)), [], {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        children.push(child);
        rep.workers.push(child);
        child.on('message', (m: WorkerReport) => {
          rep.reports.set(w, m);
          for (const c of m.connectMs) rep.connectMs.push(c);
          if (measuring) for (const l of m.latencies) rep.latencyWindow.push(l);
          if (verbose) for (const l of m.latencies) secondWindow.push(l);
        });
        // Agents are spread over the interval across all replicas, so the database sees one even stream.
        child.send({
          url: ctl.agentUrl,
          ca: cert?.pem,
          tokens: slice,
          offsetIndex: first,
          total: totalAgents,
          gpus,
          intervalMs,
          connectConcurrency: 100,
        } satisfies WorkerJob);
      }
      return rep;
    });
    const sampleRss = () => {
      for (const rep of replicas) {
        const s = procStats(rep.ctl.proc.pid!);
        if (s === null) throw new Error(`${rep.ctl.name} died:\n${rep.ctl.stderr()}`);
        rep.rssAll.push(s.rssKb / 1024);
      }
    };
    while (replicas.some((rep) => rep.connectSec === null)) {
      await sleep(500);
      sampleRss();
      for (const rep of replicas) {
        if (rep.connectSec === null && rep.reports.size === workersN && sum(rep, 'connected') >= agentsN) rep.connectSec = (Date.now() - connectStart) / 1000;
      }
      const waited = Date.now() - connectStart;
      if (Math.floor(waited / 10_000) !== Math.floor((waited - 500) / 10_000))
        console.log(`t=${(waited / 1000).toFixed(0)} s: ${connectProgress(replicas, agentsN)}`);
      if (waited > connectTimeoutSec * 1000) {
        const line = `after ${connectTimeoutSec} s: ${connectProgress(replicas, agentsN)}`;
        for (const rep of replicas)
          if (rep.ctl.stderr().trim() !== '') console.log(`${rep.ctl.name} stderr (last lines):\n${rep.ctl.stderr().trim().split('\n').slice(-5).join('\n')}`);
        // Churn under load can keep a few agents reconnecting for ever; measure what is connected, and say so.
        if (replicas.some((rep) => sum(rep, 'connected') < 0.9 * agentsN)) throw new Error(line);
        console.log(`${line}; measuring anyway (fewer than all connected: see "agents connected" below)`);
        break;
      }
    }
    const connectSec = (Date.now() - connectStart) / 1000;
    const pgTicksConnectEnd = pgPid ? treeCpuTicks(pgPid) : null;
    console.log(
      `${replicas.every((rep) => rep.connectSec !== null) ? `all ${totalAgents} agents connected` : 'stopped waiting for the rest'} after ${connectSec.toFixed(1)} s; warming up one interval`,
    );
    const warmEnd = Date.now() + intervalMs + 1000;
    while (Date.now() < warmEnd) {
      await sleep(1000);
      sampleRss();
    }

    measuring = true;
    const workerPids = children.filter((c) => !ctls.some((x) => x.proc === c)).map((c) => c.pid!);
    const workerTicks = () => workerPids.reduce((t, pid) => t + (procStats(pid)?.cpuTicks ?? 0), 0);
    const startWorkerTicks = workerTicks();
    const startStats = replicas.map((rep) => procStats(rep.ctl.proc.pid!)!);
    const startAcked = replicas.map((rep) => sum(rep, 'acked'));
    const startSent = replicas.map((rep) => sum(rep, 'sent'));
    const pgTicksStart = pgPid ? treeCpuTicks(pgPid) : null;
    const start = Date.now();
    let prev = startStats;
    let prevT = start;
    while (Date.now() - start < seconds * 1000) {
      await sleep(1000);
      const now = Date.now();
      const cur = replicas.map((rep) => {
        const s = procStats(rep.ctl.proc.pid!);
        if (s === null) throw new Error(`${rep.ctl.name} died:\n${rep.ctl.stderr()}`);
        return s;
      });
      replicas.forEach((rep, i) => {
        rep.cpuSamples.push(((cur[i]!.cpuTicks - prev[i]!.cpuTicks) / TICKS_PER_SEC / ((now - prevT) / 1000)) * 100);
        rep.rssAll.push(cur[i]!.rssKb / 1024);
        rep.rssWindow.push(cur[i]!.rssKb / 1024);
      });
      if (verbose) {
        const sec = secondWindow.sort((a, b) => a - b);
        secondWindow = [];
        console.log(
          `t=${((now - start) / 1000).toFixed(0).padStart(3)} s  acks ${String(sec.length).padStart(5)}  p50 ${pct(sec, 50).toFixed(0).padStart(5)} ms  p99 ${pct(sec, 99).toFixed(0).padStart(5)} ms  cpu ${replicas.map((rep) => rep.cpuSamples.at(-1)!.toFixed(0).padStart(3)).join(' / ')} %`,
        );
      }
      prev = cur;
      prevT = now;
    }
    measuring = false;
    const elapsed = (Date.now() - start) / 1000;
    const pgTicksEnd = pgPid ? treeCpuTicks(pgPid) : null;
    const workersCpu = ((workerTicks() - startWorkerTicks) / TICKS_PER_SEC / elapsed) * 100;
    const roles = await Promise.all(replicas.map((rep) => (postgres ? rep.ctl.role() : Promise.resolve(null))));
    const figures: ReplicaFigures[] = replicas.map((rep, i) => {
      const end = procStats(rep.ctl.proc.pid!)!;
      const connectSorted = [...rep.connectMs].sort((a, b) => a - b);
      return {
        name: rep.ctl.name,
        role: roles[i] ?? null,
        agents: agentsN,
        connectedAtEnd: sum(rep, 'connected'),
        connectErrors: sum(rep, 'connectErrors'),
        connectSec: rep.connectSec,
        connectP50Ms: pct(connectSorted, 50),
        connectP99Ms: pct(connectSorted, 99),
        sent: sum(rep, 'sent') - startSent[i]!,
        acked: sum(rep, 'acked') - startAcked[i]!,
        latencies: rep.latencyWindow.sort((a, b) => a - b),
        cpuAvg: ((end.cpuTicks - startStats[i]!.cpuTicks) / TICKS_PER_SEC / elapsed) * 100,
        cpuMax1s: Math.max(...rep.cpuSamples),
        rssSteadyMiB: rep.rssWindow.reduce((a, b) => a + b, 0) / rep.rssWindow.length,
        rssPeakMiB: Math.max(...rep.rssAll),
        statsLines: rep.ctl.statsLines.slice(-2),
        stderrTail: rep.ctl.stderr().trim().split('\n').slice(-5).join('\n'),
      };
    });
    const pgPct = (a: number | null, b: number | null, sec: number) => (a === null || b === null ? null : ((b - a) / TICKS_PER_SEC / sec) * 100);
    const summary: IngestSummary = {
      when: new Date(),
      command: commandLine(),
      store: postgres ? 'PostgreSQL' : 'SQLite',
      tls,
      agentsPerReplica: agentsN,
      gpus,
      intervalMs,
      workersPerReplica: workersN,
      connectSec,
      measuredSec: elapsed,
      replicas: figures,
      workersCpu,
      postgresCpu: pgPid
        ? { measuredPct: pgPct(pgTicksStart, pgTicksEnd, elapsed), connectPct: pgPct(pgTicksConnectStart, pgTicksConnectEnd, connectSec) }
        : null,
      loadStart,
      loadEnd: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    };
    printSummary(summary);
    if (process.env.BENCH_NO_RESULT_FILE !== '1') console.log(`\nwritten to ${writeResultFile(summary, join(ROOT, 'bench/results'))}`);
    if (profDir) {
      for (const c of children) if (!ctls.some((x) => x.proc === c)) c.kill('SIGKILL');
      await Promise.all(
        ctls.map((c) => {
          c.proc.kill('SIGTERM');
          return new Promise((r) => c.proc.once('exit', r));
        }),
      );
      console.log(`controller CPU profiles written to ${profDir}`);
    }
  } finally {
    cleanup();
    await pg?.stop().catch(() => undefined);
  }
}

/** How this run was asked for, to repeat it: the BENCH_ variables set, then the command. */
function commandLine(): string {
  const vars = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_') && k !== 'BENCH_NO_RESULT_FILE')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  const args = process.argv.slice(2);
  return [...vars, 'npm run bench:ingest', ...(args.length > 0 ? ['--', ...args] : [])].join(' ');
}

/** Per controller: agents connected now, ever welcomed, failed attempts, and the commonest close reasons. */
function connectProgress(replicas: Replica[], agentsN: number): string {
  return replicas
    .map((rep) => {
      const closes = new Map<string, number>();
      for (const r of rep.reports.values()) for (const [k, n] of Object.entries(r.closes)) closes.set(k, (closes.get(k) ?? 0) + n);
      const top = [...closes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
      return `${rep.ctl.name} ${sum(rep, 'connected')} of ${agentsN} connected, ${rep.connectMs.length} welcomed once, ${sum(rep, 'connectErrors')} failed first attempts, closes: ${top.length === 0 ? 'none' : top.map(([k, n]) => `${n} x "${k}"`).join(', ')}`;
    })
    .join('; ');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
