// bench:ingest's controller: the built `serve` as a child process (SQLite in DATA_DIR, or a PostgreSQL replica when
// given DATABASE_URL and REPLICA_ID), its "ingest:" log lines and stderr kept, and a wait until /healthz answers.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Agent as HttpAgent, request } from 'undici';
import { freePort } from '../test/helpers/free-port';

export interface BenchController {
  name: string;
  proc: ChildProcess;
  port: number;
  /** ws:// or wss:// URL the agents connect to. */
  agentUrl: string;
  healthUrl: string;
  /** The controller's own once-a-minute "ingest:" lines (receive-to-ack latency, event-loop delay). */
  statsLines: string[];
  /** The tail of its stderr (warnings, errors). */
  stderr(): string;
  /** role from /healthz ('leader' or 'follower' on PostgreSQL), or null when it does not answer. */
  role(): Promise<string | null>;
}

export interface ControllerOptions {
  root: string;
  name: string;
  dataDir: string;
  tls?: { certFile: string; keyFile: string; pem: string };
  /** DATABASE_URL, REPLICA_ID and the like; empty for SQLite. */
  env: Record<string, string>;
  /** --cpu-prof into this directory (BENCH_CPU_PROF). */
  profDir?: string;
}

export async function startBenchController(o: ControllerOptions): Promise<BenchController> {
  const port = await freePort();
  const tlsEnv = o.tls ? { TLS_CERT_FILE: o.tls.certFile, TLS_KEY_FILE: o.tls.keyFile } : {};
  const proc = spawn(process.execPath, [...(o.profDir ? ['--cpu-prof', '--cpu-prof-dir', o.profDir] : []), join(o.root, 'dist/cli.mjs'), 'serve'], {
    cwd: o.root,
    // info: the controller's own once-a-minute "ingest:" line is shown in the summary; it also logs one line per agent
    // connection, all before the measurement starts.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: o.dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...tlsEnv, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const statsLines: string[] = [];
  let partial = '';
  proc.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const l of lines) if (l.includes(' ingest: ')) statsLines.push(l);
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 1e6) err = err.slice(-1e5);
  });
  const scheme = o.tls ? 'https' : 'http';
  const healthUrl = `${scheme}://127.0.0.1:${port}/healthz`;
  const dispatcher = o.tls ? new HttpAgent({ connect: { ca: o.tls.pem } }) : undefined;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await request(healthUrl, { dispatcher });
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null) throw new Error(`controller ${o.name} exited:\n${err}`);
    if (Date.now() > deadline) throw new Error(`controller ${o.name} not up within 30 s:\n${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: o.name,
    proc,
    port,
    agentUrl: `${o.tls ? 'wss' : 'ws'}://127.0.0.1:${port}/agent`,
    healthUrl,
    statsLines,
    stderr: () => err,
    async role() {
      try {
        const res = await request(healthUrl, { dispatcher, headersTimeout: 5_000 });
        const body = (await res.body.json()) as { role?: string };
        return body.role ?? null;
      } catch {
        return null;
      }
    },
  };
}
