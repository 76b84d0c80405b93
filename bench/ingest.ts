// Ingest benchmark: the built controller as a child process, N simulated agents (in a few worker processes), each
// sending one 8-GPU batch every 10 s, spread evenly. Prints committed batches/s, ack latency p50/p99, controller RSS
// and CPU over the run. Target (docs/architecture.md): 10,000 agents, ack p99 < 1 s, < 1 core.
//   npm run bench:ingest                  (1000 agents, 60 s)
//   BENCH_AGENTS=10000 npm run bench:ingest
// Env: BENCH_AGENTS (or argv[2]), BENCH_SECONDS (60), BENCH_WORKERS, BENCH_GPUS (8), BENCH_INTERVAL_MS (10000),
// BENCH_DATA_PARENT (where the temporary DATA_DIR goes; default the OS temp dir), BENCH_TLS=1 (the controller serves
// wss:// with a self-signed certificate made by openssl; agents verify it as their only CA: handshakes included).
// Each agent is one socket in a worker and one in the controller: the open-file limit (ulimit -n) must exceed the
// agents per process; the script checks and says so.
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, request } from 'undici';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../controller/src/store/store';
import { dbPath } from '../controller/src/store/open-db';
import { freePort } from '../test/helpers/free-port';
import { SimAgent } from '../test/sim-agent';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');

interface WorkerJob {
  url: string;
  /** PEM of the controller's self-signed certificate (BENCH_TLS=1), trusted as the only CA. */
  ca?: string;
  tokens: string[];
  /** This worker's first agent's index among all agents (for the even spread). */
  offsetIndex: number;
  total: number;
  gpus: number;
  intervalMs: number;
  connectConcurrency: number;
}

interface WorkerReport {
  type: 'report';
  connected: number;
  sent: number;
  acked: number;
  latencies: number[];
  connectErrors: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Worker: runs its share of simulated agents and reports every second.
async function worker(): Promise<void> {
  const job = await new Promise<WorkerJob>((r) => process.once('message', (m) => r(m as WorkerJob)));
  const agents: SimAgent[] = [];
  let connectErrors = 0;
  let sent = 0;
  let acked = 0;
  for (let i = 0; i < job.tokens.length; i += job.connectConcurrency) {
    const slice = job.tokens.slice(i, i + job.connectConcurrency).map((token) => {
      const a = new SimAgent({ url: job.url, ca: job.ca, token, gpus: job.gpus, intervalMs: job.intervalMs, autoReconnect: true, reconnectDelayMs: 1000 });
      a.on('ack', () => acked++);
      agents.push(a);
      return a.connect().catch(() => connectErrors++);
    });
    await Promise.all(slice);
  }
  agents.forEach((a, i) => {
    // Even spread: agent k of N sends at k/N of the interval.
    const phase = ((job.offsetIndex + i) / job.total) * job.intervalMs;
    setTimeout(() => {
      const tick = () => {
        a.sendBatch(Math.floor(Math.random() * 100));
        sent++;
      };
      tick();
      setInterval(tick, job.intervalMs);
    }, phase);
  });
  setInterval(() => {
    const latencies: number[] = [];
    for (const a of agents) {
      for (const l of a.latencies) latencies.push(l);
      // Keep memory flat: forget what was reported.
      a.latencies.length = 0;
    }
    const report: WorkerReport = { type: 'report', connected: agents.filter((a) => a.connected).length, sent, acked, latencies, connectErrors };
    process.send!(report);
  }, 1000);
}

// ---------------------------------------------------------------------------------------------------------------
// Parent: controller + workers + measurements.

function nofileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const v = line?.split(/\s{2,}/)[1];
  return v === undefined || v === 'unlimited' ? Infinity : Number(v);
}

function procStats(pid: number): { cpuTicks: number; rssKb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuTicks, rssKb: rss ? Number(rss[1]) : 0 };
  } catch {
    return null;
  }
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const agentsN = Number(process.env.BENCH_AGENTS ?? process.argv[2] ?? 1000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 60);
  const gpus = Number(process.env.BENCH_GPUS ?? 8);
  const intervalMs = Number(process.env.BENCH_INTERVAL_MS ?? 10_000);
  const workersN = Number(process.env.BENCH_WORKERS ?? Math.max(1, Math.min(4, Math.ceil(agentsN / 2500))));
  if (![agentsN, seconds, gpus, intervalMs, workersN].every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error('BENCH_AGENTS, BENCH_SECONDS, BENCH_GPUS, BENCH_INTERVAL_MS and BENCH_WORKERS must be positive whole numbers');
  }
  const limit = nofileLimit();
  const perWorker = Math.ceil(agentsN / workersN);
  console.log(`open-file limit ${limit}; controller needs ~${agentsN + 100}, each worker ~${perWorker + 100}`);
  if (limit < agentsN + 100) {
    console.error(`ulimit -n is ${limit}: raise it (ulimit -n ${agentsN + 1024}) before benchmarking ${agentsN} agents`);
    process.exit(2);
  }

  const dataDir = mkdtempSync(join(process.env.BENCH_DATA_PARENT ?? tmpdir(), 'co-bench-ingest-'));
  const children: ChildProcess[] = [];
  const cleanup = () => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    // Tokens straight into the database before the controller opens it: fast, and the same code path.
    const t0 = Date.now();
    const store = openStore(dbPath(dataDir));
    const tokens = store.transaction(() => Array.from({ length: agentsN }, (_, i) => store.createToken(`manual:bench-${i}`, Date.now())));
    store.close();
    console.log(`minted ${agentsN} tokens in ${Date.now() - t0} ms`);

    const port = await freePort();
    const tls = process.env.BENCH_TLS === '1';
    let ca: string | undefined;
    const tlsEnv: Record<string, string> = {};
    if (tls) {
      const [cert, key] = [join(dataDir, 'bench-cert.pem'), join(dataDir, 'bench-key.pem')];
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=bench',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      ca = readFileSync(cert, 'utf8');
      Object.assign(tlsEnv, { TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
    }
    const scheme = tls ? 'https' : 'http';
    // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of the controller there (it is stopped with SIGTERM to flush it).
    const profDir = process.env.BENCH_CPU_PROF;
    const ctl = spawn(process.execPath, [...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), join(ROOT, 'dist/cli.mjs'), 'serve'], {
      cwd: ROOT,
      // info: the controller's own once-a-minute "ingest:" line (receive-to-ack latency, event-loop delay) is shown
      // below; it also logs one line per agent connection, all before the measurement starts.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...tlsEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(ctl);
    const statsLines: string[] = [];
    let partial = '';
    ctl.stdout!.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const l of lines) if (l.includes(' ingest: ')) statsLines.push(l);
    });
    let ctlOut = '';
    ctl.stderr!.on('data', (d: Buffer) => {
      ctlOut += d.toString();
      if (ctlOut.length > 1e6) ctlOut = ctlOut.slice(-1e5);
    });
    await waitForHttp(
      `${scheme}://127.0.0.1:${port}/healthz`,
      30_000,
      () => ctl.exitCode !== null,
      () => ctlOut,
      ca,
    );
    const url = `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}/agent`;
    console.log(
      `controller pid ${ctl.pid} on port ${port} (${tls ? 'TLS' : 'plain'}); starting ${workersN} worker(s) with ${agentsN} agents x ${gpus} GPUs, one batch per ${intervalMs} ms each`,
    );

    const reports = new Map<number, WorkerReport>();
    const latencyWindow: number[] = [];
    // BENCH_VERBOSE=1: one line per second (acks, p50/p99 of that second, controller CPU) to see periodic stalls.
    const verbose = process.env.BENCH_VERBOSE === '1';
    let secondWindow: number[] = [];
    let measuring = false;
    const connectStart = Date.now();
    for (let w = 0; w < workersN; w++) {
      const slice = tokens.slice(w * perWorker, (w + 1) * perWorker);
      const child = fork(fileURLToPath(import.meta.url), ['--worker'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      child.on('message', (m: WorkerReport) => {
        reports.set(w, m);
        if (measuring) for (const l of m.latencies) latencyWindow.push(l);
        for (const l of m.latencies) secondWindow.push(l);
      });
      child.send({ url, ca, tokens: slice, offsetIndex: w * perWorker, total: agentsN, gpus, intervalMs, connectConcurrency: 100 } satisfies WorkerJob);
    }
    const sum = (k: 'connected' | 'sent' | 'acked' | 'connectErrors') => [...reports.values()].reduce((s, r) => s + r[k], 0);
    while (reports.size < workersN || sum('connected') < agentsN) {
      await sleep(500);
      if (Date.now() - connectStart > 300_000) throw new Error(`only ${sum('connected')} of ${agentsN} agents connected after 300 s`);
    }
    const connectSec = (Date.now() - connectStart) / 1000;
    console.log(`all ${agentsN} agents connected in ${connectSec.toFixed(1)} s; warming up one interval`);
    await sleep(intervalMs + 1000);

    measuring = true;
    const workerPids = children.slice(1).map((c) => c.pid!);
    const workerTicks = () => workerPids.reduce((t, pid) => t + (procStats(pid)?.cpuTicks ?? 0), 0);
    const startWorkerTicks = workerTicks();
    const startStats = procStats(ctl.pid!)!;
    const startAcked = sum('acked');
    const startSent = sum('sent');
    const start = Date.now();
    const cpuSamples: number[] = [];
    const rssSamples: number[] = [];
    let prev = startStats;
    let prevT = start;
    while (Date.now() - start < seconds * 1000) {
      await sleep(1000);
      const s = procStats(ctl.pid!);
      if (s === null) throw new Error(`controller died:\n${ctlOut}`);
      const now = Date.now();
      cpuSamples.push(((s.cpuTicks - prev.cpuTicks) / 100 / ((now - prevT) / 1000)) * 100);
      if (verbose) {
        const sec = secondWindow.sort((a, b) => a - b);
        secondWindow = [];
        console.log(
          `t=${((now - start) / 1000).toFixed(0).padStart(3)} s  acks ${String(sec.length).padStart(5)}  p50 ${pct(sec, 50).toFixed(0).padStart(5)} ms  p99 ${pct(sec, 99).toFixed(0).padStart(5)} ms  cpu ${cpuSamples.at(-1)!.toFixed(0).padStart(3)} %`,
        );
      }
      rssSamples.push(s.rssKb / 1024);
      prev = s;
      prevT = now;
    }
    measuring = false;
    const elapsed = (Date.now() - start) / 1000;
    const end = procStats(ctl.pid!)!;
    const workersCpu = ((workerTicks() - startWorkerTicks) / 100 / elapsed) * 100;
    const acked = sum('acked') - startAcked;
    const sent = sum('sent') - startSent;
    const lat = latencyWindow.sort((a, b) => a - b);
    const cpuAvg = ((end.cpuTicks - startStats.cpuTicks) / 100 / elapsed) * 100;
    const f = (n: number) => n.toFixed(1);
    console.log('');
    console.log(`agents                 ${agentsN} (${sum('connected')} connected at the end, ${sum('connectErrors')} connect errors)`);
    console.log(`measured               ${f(elapsed)} s after ${f(connectSec)} s connecting and one interval of warm-up`);
    console.log(`batches sent / acked   ${sent} / ${acked}  ->  ${f(acked / elapsed)} committed batches/s (expected ${f(agentsN / (intervalMs / 1000))})`);
    console.log(
      `ack latency ms         p50 ${f(pct(lat, 50))}  p90 ${f(pct(lat, 90))}  p99 ${f(pct(lat, 99))}  max ${f(lat.at(-1) ?? NaN)}  (n=${lat.length})`,
    );
    console.log(`controller CPU         avg ${f(cpuAvg)} % of one core, max 1-s ${f(Math.max(...cpuSamples))} %`);
    console.log(`controller RSS         avg ${f(rssSamples.reduce((a, b) => a + b, 0) / rssSamples.length)} MiB, max ${f(Math.max(...rssSamples))} MiB`);
    console.log(`simulated agents CPU   ${f(workersCpu)} % of one core (${workersN} worker processes; they share the machine)`);
    for (const l of statsLines.slice(-2)) console.log(`controller says        ${l.slice(l.indexOf('ingest: '))}`);
    console.log(`target (docs/architecture.md)     10,000 agents, ack p99 < 1000 ms, < 100 % of one core`);
    if (ctlOut.trim() !== '') console.log(`controller warnings (last lines):\n${ctlOut.trim().split('\n').slice(-5).join('\n')}`);
    if (profDir) {
      for (const c of children.slice(1)) c.kill('SIGKILL');
      ctl.kill('SIGTERM');
      await new Promise((r) => ctl.once('exit', r));
      console.log(`controller CPU profile written to ${profDir}`);
    }
  } finally {
    cleanup();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitForHttp(url: string, timeoutMs: number, died: () => boolean, output: () => string, ca?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const dispatcher = ca ? new HttpAgent({ connect: { ca } }) : undefined;
  for (;;) {
    try {
      const res = await request(url, { dispatcher });
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    if (died()) throw new Error(`controller exited:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`controller not up within ${timeoutMs} ms:\n${output()}`);
    await sleep(100);
  }
}

if (process.argv.includes('--worker')) {
  void worker();
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
