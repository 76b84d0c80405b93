// Runs the built controller (`node dist/cli.mjs serve`) as a real child process on PORT=0 with its own DATA_DIR,
// and finds the bound port in its log. Every process started here is killed by killAllControllers().
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT } from './build';

export interface SpawnedController {
  proc: ChildProcess;
  port: number;
  /** http(s)://127.0.0.1:port, as the controller announced it. */
  url: string;
  /** ws(s)://127.0.0.1:port/agent */
  wsUrl: string;
  dataDir: string;
  /** ADMIN_TOKEN, or the credential the controller generated into DATA_DIR/admin-token ('' when neither exists). */
  adminToken: string;
  /** `{authorization: Bearer <adminToken>}` for /api/* calls. */
  adminHeaders(): Record<string, string>;
  /** An agent token for the instance, minted through POST /api/tokens as an operator would. */
  mintToken(instanceId: string): Promise<string>;
  /** Everything it printed so far (stdout + stderr). */
  output(): string;
  /** Resolves with the exit code (or signal name) once it has exited. */
  exited: Promise<number | string>;
  /** SIGTERM and wait (SIGKILL after the timeout). */
  stop(timeoutMs?: number): Promise<number | string>;
  /** kill -9, no goodbye. */
  kill9(): Promise<number | string>;
}

const running = new Set<ChildProcess>();

export interface SpawnControllerOptions {
  dataDir: string;
  /** Extra environment (PORT defaults to 0, HOST to 127.0.0.1). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export async function spawnController(opts: SpawnControllerOptions): Promise<SpawnedController> {
  const proc = spawn(process.execPath, [CLI, 'serve'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATA_DIR: opts.dataDir,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  let scheme = 'http' as 'http' | 'https';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`controller did not report its port within ${opts.timeoutMs ?? 30_000} ms:\n${out}`));
    }, opts.timeoutMs ?? 30_000);
    const check = () => {
      const m = /listening on (https?):\/\/[^\s]+:(\d+)/.exec(out);
      if (m) {
        cleanup();
        scheme = m[1] as 'http' | 'https';
        resolve(Number(m[2]));
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`controller exited (${code}) before listening:\n${out}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      proc.stdout!.off('data', check);
      proc.off('exit', onExit);
    };
    proc.stdout!.on('data', check);
    proc.once('exit', onExit);
    check();
  });
  const url = `${scheme}://127.0.0.1:${port}`;
  const tokenFile = join(opts.dataDir, 'admin-token');
  const adminToken = opts.env?.['ADMIN_TOKEN'] ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '');
  return {
    adminToken,
    adminHeaders: () => ({ authorization: `Bearer ${adminToken}` }),
    mintToken: async (instanceId) => {
      const r = await fetch(`${url}/api/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ instanceId }),
      });
      if (r.status !== 201) throw new Error(`POST /api/tokens for ${instanceId}: HTTP ${r.status} ${await r.text()}`);
      return ((await r.json()) as { token: string }).token;
    },
    proc,
    port,
    url,
    wsUrl: `${scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${port}/agent`,
    dataDir: opts.dataDir,
    output: () => out,
    exited,
    async stop(timeoutMs = 15_000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
        const r = await exited;
        clearTimeout(t);
        return r;
      }
      return exited;
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      return exited;
    },
  };
}

/** For afterAll: SIGKILL anything still running. */
export function killAllControllers(): void {
  for (const p of running) p.kill('SIGKILL');
  running.clear();
}

/** GET a JSON route of a spawned controller. */
export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await fetch(url, { headers });
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return (await r.json()) as T;
}
