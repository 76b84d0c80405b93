// bench:ingest's summary: the figures of one run (per controller process, the simulated agents, PostgreSQL), printed
// as lines and as a markdown table, and written to bench/results/ingest-<time>.md.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

export interface ReplicaFigures {
  name: string;
  /** 'leader' / 'follower' from /healthz on PostgreSQL; null on SQLite. */
  role: string | null;
  agents: number;
  connectedAtEnd: number;
  connectErrors: number;
  /** From the workers' start until all of this controller's agents were connected; null: not within the timeout. */
  connectSec: number | null;
  /** Per agent, connect() to welcome (100 at a time per worker). */
  connectP50Ms: number;
  connectP99Ms: number;
  /** Batches sent and acked in the measured window. */
  sent: number;
  acked: number;
  /** Ack latencies seen by the agents in the measured window, ascending. */
  latencies: number[];
  /** % of one core over the measured window, and the highest 1-s reading. */
  cpuAvg: number;
  cpuMax1s: number;
  /** Mean RSS over the measured window; the highest RSS of the whole run (connection storm included). */
  rssSteadyMiB: number;
  rssPeakMiB: number;
  statsLines: string[];
  stderrTail: string;
}

export interface IngestSummary {
  when: Date;
  command: string;
  store: 'SQLite' | 'PostgreSQL';
  tls: boolean;
  agentsPerReplica: number;
  gpus: number;
  intervalMs: number;
  workersPerReplica: number;
  /** Until every agent of every controller was connected. */
  connectSec: number;
  measuredSec: number;
  replicas: ReplicaFigures[];
  /** All worker processes together, % of one core over the measured window. */
  workersCpu: number;
  /** The postmaster and all its backends, % of one core: over the measured window, and over the connection phase. */
  postgresCpu: { measuredPct: number | null; connectPct: number | null } | null;
  loadStart: string;
  loadEnd: string;
}

/** Nearest-rank percentile (lower) of an ascending array. */
export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const f = (n: number | null) => (n === null || Number.isNaN(n) ? 'n/a' : n.toFixed(1));

export function printSummary(s: IngestSummary): void {
  const expected = s.agentsPerReplica / (s.intervalMs / 1000);
  console.log('');
  for (const r of s.replicas) {
    const head = s.replicas.length > 1 ? `[${r.name}${r.role ? `, ${r.role}` : ''}] ` : '';
    const lat = r.latencies;
    console.log(`${head}agents                 ${r.agents} (${r.connectedAtEnd} connected at the end, ${r.connectErrors} connect errors)`);
    console.log(
      `${head}connect                ${r.connectSec === null ? 'not all connected at once within the timeout' : `all in ${f(r.connectSec)} s`}; per agent p50 ${f(r.connectP50Ms)} ms, p99 ${f(r.connectP99Ms)} ms`,
    );
    console.log(`${head}measured               ${f(s.measuredSec)} s after ${f(s.connectSec)} s connecting and one interval of warm-up`);
    console.log(`${head}batches sent / acked   ${r.sent} / ${r.acked}  ->  ${f(r.acked / s.measuredSec)} committed batches/s (expected ${f(expected)})`);
    console.log(
      `${head}ack latency ms         p50 ${f(pct(lat, 50))}  p90 ${f(pct(lat, 90))}  p99 ${f(pct(lat, 99))}  max ${f(lat.at(-1) ?? NaN)}  (n=${lat.length})`,
    );
    console.log(`${head}controller CPU         avg ${f(r.cpuAvg)} % of one core, max 1-s ${f(r.cpuMax1s)} %`);
    console.log(`${head}controller RSS         avg ${f(r.rssSteadyMiB)} MiB, max ${f(r.rssPeakMiB)} MiB (max over the whole run, connecting included)`);
    for (const l of r.statsLines) console.log(`${head}controller says        ${l.slice(l.indexOf('ingest: '))}`);
    if (r.stderrTail !== '') console.log(`${head}controller warnings (last lines):\n${r.stderrTail}`);
  }
  console.log(`simulated agents CPU   ${f(s.workersCpu)} % of one core (${s.workersPerReplica * s.replicas.length} worker processes; they share the machine)`);
  if (s.postgresCpu) {
    console.log(
      `PostgreSQL CPU         ${f(s.postgresCpu.measuredPct)} % of one core measured, ${f(s.postgresCpu.connectPct)} % while the agents connected (postmaster + backends)`,
    );
  }
  console.log(`target (docs/architecture.md)     10,000 agents, ack p99 < 1000 ms, < 100 % of one core`);
  console.log('');
  console.log(markdownTable(s));
}

function markdownTable(s: IngestSummary): string {
  const expected = s.agentsPerReplica / (s.intervalMs / 1000);
  const rows = s.replicas.map((r) => {
    const lat = r.latencies;
    return `| ${r.name}${r.role ? ` (${r.role})` : ''} | ${r.connectedAtEnd} / ${r.agents} | ${r.connectSec === null ? 'not all' : f(r.connectSec)} | ${f(r.connectP50Ms)} / ${f(r.connectP99Ms)} | ${f(r.acked / s.measuredSec)} (of ${f(expected)}) | ${f(pct(lat, 50))} / ${f(pct(lat, 99))} / ${f(lat.at(-1) ?? NaN)} | ${f(r.cpuAvg)} (max 1-s ${f(r.cpuMax1s)}) | ${f(r.rssSteadyMiB)} / ${f(r.rssPeakMiB)} |`;
  });
  const lines = [
    '| process | agents connected | all connected, s | connect per agent p50 / p99, ms | committed batches/s | ack p50 / p99 / max, ms | CPU, % of a core | RSS steady / peak, MiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ];
  if (s.postgresCpu) {
    lines.push(`| PostgreSQL (postmaster + backends) | | | | | | ${f(s.postgresCpu.measuredPct)} (connecting: ${f(s.postgresCpu.connectPct)}) | |`);
  }
  lines.push(`| simulated agents (${s.workersPerReplica * s.replicas.length} workers) | | | | | | ${f(s.workersCpu)} | |`);
  return lines.join('\n');
}

/** Writes the summary as markdown into `dir`; returns the file's path. */
export function writeResultFile(s: IngestSummary, dir: string): string {
  const stamp = s.when.toISOString().slice(0, 19).replace(/:/g, '-');
  const path = join(dir, `ingest-${stamp}.md`);
  const text = [
    `# Ingest benchmark (${s.when.toISOString().slice(0, 10)})`,
    '',
    `Command: \`${s.command}\`; finished ${s.when.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    `Store: ${s.store}; ${s.replicas.length} controller process(es), ${s.agentsPerReplica} agents each over ${s.tls ? 'TLS (wss://, self-signed P-256)' : 'plain ws://'}; ` +
      `${s.gpus} GPUs per batch, one batch per agent every ${s.intervalMs / 1000} s; ${s.workersPerReplica} worker process(es) per controller.`,
    `Machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; load average ${s.loadStart} before, ${s.loadEnd} after ` +
      '(controllers, PostgreSQL and the simulated agents all share it).',
    `Measured ${s.measuredSec.toFixed(1)} s after all agents connected (${s.connectSec.toFixed(1)} s) and one interval of warm-up. CPU is % of one core ` +
      'over the measured window (/proc utime+stime); RSS steady is the mean over the measured window, peak the highest of the whole run.',
    '',
    markdownTable(s),
    '',
    ...s.replicas.flatMap((r) => r.statsLines.map((l) => `- ${r.name} says: \`${l.slice(l.indexOf('ingest: '))}\``)),
    '',
  ].join('\n');
  writeFileSync(path, text);
  return path;
}
