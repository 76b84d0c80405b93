// A real PostgreSQL cluster for tests and benches: initdb in a temporary directory (as the `postgres` user when run as
// root, since initdb refuses root), listening on a free loopback port; each test takes a fresh database in it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgDatabase } from '../../controller/src/store/sql/pg-database';
import { freePort } from './free-port';

/** Debian's server binaries (package postgresql), newest version first; null when none is installed. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  for (const v of readdirSync(root).sort((a, b) => Number(b) - Number(a))) {
    if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  }
  return null;
}

/** Why PostgreSQL tests cannot run here, or null. In CI (CI=true) a missing server is a failure, never a skip. */
export function postgresUnavailable(): string | null {
  if (postgresBinDir() !== null) return null;
  const why = 'PostgreSQL server binaries are not installed (Debian package postgresql; .ci/run installs it)';
  if (process.env['CI'] === 'true') throw new Error(why);
  return why;
}

export interface ThrowawayPostgres {
  readonly port: number;
  /** postgres:// URL of the cluster's `postgres` database. */
  readonly adminUrl: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name?: string): string;
  /** kill -9 of the server (tests of a lost database); start() brings it back on the same port and data. */
  kill(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

let dbCounter = 0;

/** As root, run the server's programs as the `postgres` user (spawned directly, so signals reach the server). */
function postgresUser(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'co-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const user = postgresUser();
  if ('uid' in user) chownSync(dir, user.uid, user.gid);
  execFileSync(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'], {
    stdio: 'pipe',
    cwd: dir,
    ...user,
  });
  const port = await freePort();
  let proc: ChildProcess | null = null;
  /** Resolves when the server last killed has exited. */
  let killed: Promise<unknown> = Promise.resolve();

  const start = async () => {
    const args = [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ];
    await killed;
    const deadline = Date.now() + 30_000;
    let p = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...user });
    proc = p;
    let log = '';
    const listen = (c: ChildProcess) => c.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    listen(p);
    for (;;) {
      if (p.exitCode !== null) {
        // After a kill -9 the old server's backends take a moment to notice and let go of its lock file and memory.
        if (Date.now() > deadline || !/already exists|still in use/.test(log)) throw new Error(`postgres exited ${p.exitCode}: ${log}`);
        await new Promise((r) => setTimeout(r, 200));
        p = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...user });
        proc = p;
        listen(p);
        continue;
      }
      try {
        execFileSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'], { stdio: 'ignore' });
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`postgres did not start: ${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (p === null || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    // SIGQUIT: immediate shutdown (no checkpoint), enough for a throwaway cluster.
    p.kill('SIGQUIT');
    await exited;
  };
  await start();
  const adminUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  let admin: PgDatabase | null = null;
  process.once('exit', () => {
    try {
      (proc as ChildProcess | null)?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  });
  return {
    port,
    adminUrl,
    createDatabase(name = `t${process.pid}_${++dbCounter}`) {
      if (admin === null) admin = new PgDatabase(adminUrl);
      try {
        admin.exec(`CREATE DATABASE ${name}`);
      } catch {
        // The server was killed and started again since the last one: that statement found the old connection
        // gone, and this one makes a new connection.
        admin.exec(`CREATE DATABASE ${name}`);
      }
      return `postgresql://postgres@127.0.0.1:${port}/${name}`;
    },
    kill() {
      const p = proc as ChildProcess | null;
      if (p === null || p.exitCode !== null) return;
      killed = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
    },
    start,
    async stop() {
      admin?.close();
      admin = null;
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
