// Starts throwaway OpenSSH servers on free loopback ports for tests and benches: fresh host and user keys in a temp
// dir, the current user as the login user, and a remote PATH that starts with a directory holding a fake nvidia-smi.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SSHD_BIN = '/usr/sbin/sshd';

export interface KeyPair {
  /** Private key file (0600, no passphrase). */
  privateKey: string;
  publicKey: string;
}

/** An ed25519 key pair at `path` / `path.pub`. */
export async function generateKeyPair(path: string): Promise<KeyPair> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'cost-optimizer-test', '-f', path]);
  return { privateKey: path, publicKey: `${path}.pub` };
}

/** `<dir>/bin` with `nvidia-smi` linked to `fake` (an executable): put it first on the remote PATH. */
export function fakeBinDir(dir: string, fake: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const link = join(bin, 'nvidia-smi');
  if (!existsSync(link)) symlinkSync(fake, link);
  return bin;
}

export interface SshdOptions {
  /** Working directory for config, host key, authorized_keys and log (created if missing). */
  dir: string;
  /** Public key files whose keys may log in. */
  authorizedKeys: string[];
  /** First directory on the remote PATH (holds `nvidia-smi`). */
  binDir: string;
  /** More variables for every session, e.g. FAKE_NVIDIA_SMI_STATE. */
  env?: Record<string, string>;
  /** Listen on this many ports (one sshd simulating several hosts). Default 1. */
  ports?: number;
  /** sshd's MaxStartups: the default 10:30:100 drops concurrent unauthenticated connections; benches raise it. */
  maxStartups?: string;
}

export interface Sshd {
  host: '127.0.0.1';
  port: number;
  ports: number[];
  /** The login user: the user running the tests (sshd not running as root can only log that user in). */
  user: string;
  dir: string;
  authorizedKeysFile: string;
  pid: number;
  /** Everything sshd logged so far (`-e`: to stderr). */
  log(): string;
  stop(): Promise<void>;
}

/** Free loopback ports: bound on port 0 together (so they differ), then released for sshd to take. */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      await new Promise<void>((res, rej) => s.once('error', rej).listen(0, '127.0.0.1', () => res()));
      servers.push(s);
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  }
}

/** Quoted sshd_config argument (sshd splits on whitespace and understands double quotes). */
function q(s: string): string {
  if (/["\n]/.test(s)) throw new Error(`cannot put ${JSON.stringify(s)} in sshd_config`);
  return `"${s}"`;
}

function writeConfig(o: SshdOptions, ports: number[], hostKey: string, authorizedKeysFile: string, user: string): string {
  const env: Record<string, string> = {
    // node first after the fake: the shared fake is a `#!/usr/bin/env node` script.
    PATH: [o.binDir, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    // HOME in the temp dir: the machine's ~/.bashrc (bash reads it for ssh commands) cannot reorder PATH or slow us.
    HOME: o.dir,
    // The shared fake logs "<pid> <args>" per start: stop() ends the ones still running (a fake in mode "hang" is
    // not killed with its ssh session: without a tty nothing signals it).
    FAKE_NVIDIA_SMI_SPAWN_LOG: join(o.dir, 'nvidia-smi-spawns.log'),
    // A simulated host has no terminals of its own: the machine's (other tests type into theirs) must not keep it.
    TERMINALS_DIR: join(o.dir, 'no-terminals'),
    ...o.env,
  };
  const lines = [
    ...ports.map((p) => `Port ${p}`),
    'ListenAddress 127.0.0.1',
    `HostKey ${q(hostKey)}`,
    'PidFile none',
    'UsePAM no',
    'StrictModes no', // temp dirs are not the 0700 home sshd expects
    `AuthorizedKeysFile ${q(authorizedKeysFile)}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    `AllowUsers ${user}`,
    user === 'root' ? 'PermitRootLogin prohibit-password' : 'PermitRootLogin no',
    `MaxStartups ${o.maxStartups ?? '1000'}`,
    'MaxSessions 64',
    'LogLevel INFO',
    'X11Forwarding no',
    'PrintMotd no',
    'Subsystem sftp internal-sftp',
    // OpenSSH >= 7.8: variables for every session; PATH set here wins over sshd's default PATH.
    `SetEnv ${Object.entries(env)
      .map(([k, v]) => q(`${k}=${v}`))
      .join(' ')}`,
  ];
  const path = join(o.dir, 'sshd_config');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Child pids of `pid` (Linux /proc): sshd's per-connection processes, which outlive a killed listener. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      // process ended while we looked
    }
  }
  return out;
}

/** Fake nvidia-smi processes started through this sshd and still running (checked by command line: pids recycle). */
function fakePids(dir: string): number[] {
  let log = '';
  try {
    log = readFileSync(join(dir, 'nvidia-smi-spawns.log'), 'utf8');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const line of log.split('\n')) {
    const pid = Number(line.split(' ')[0]);
    if (!Number.isInteger(pid) || pid <= 1) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nvidia-smi')) out.push(pid);
    } catch {
      // ended
    }
  }
  return out;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((res) => {
    const t = setTimeout(() => res(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      res(true);
    });
  });
}

async function startOnce(o: SshdOptions, hostKey: string, authorizedKeysFile: string, user: string): Promise<Sshd | 'retry'> {
  const ports = await freePorts(o.ports ?? 1);
  const config = writeConfig(o, ports, hostKey, authorizedKeysFile, user);
  // -D: stay in the foreground (we own the process); -e: log to stderr; absolute path: sshd re-execs itself.
  const child = spawn(SSHD_BIN, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.setEncoding('utf8');
  const ready = new Promise<'ready' | 'retry' | Error>((res) => {
    const timer = setTimeout(() => res(new Error(`sshd did not start within 15 s:\n${log}`)), 15_000);
    child.stderr!.on('data', (chunk: string) => {
      log += chunk;
      const listening = ports.filter((p) => log.includes(`Server listening on 127.0.0.1 port ${p}.`)).length;
      if (listening === ports.length) {
        clearTimeout(timer);
        res('ready');
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      res(/address already in use|cannot bind/i.test(log) ? 'retry' : new Error(`sshd exited (${code ?? signal}) before listening:\n${log}`));
    });
    child.once('error', (err) => res(err));
  });
  const state = await ready;
  if (state !== 'ready') {
    child.kill('SIGKILL');
    if (state === 'retry') return 'retry';
    throw state;
  }
  const pid = child.pid!;
  return {
    host: '127.0.0.1',
    port: ports[0]!,
    ports,
    user,
    dir: o.dir,
    authorizedKeysFile,
    pid,
    log: () => log,
    async stop() {
      const sessions = childrenOf(pid);
      child.kill('SIGTERM');
      if (!(await waitExit(child, 5_000))) child.kill('SIGKILL');
      for (const s of [...sessions, ...fakePids(o.dir)]) {
        try {
          process.kill(s, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    },
  };
}

/** Starts sshd; resolves once it listens on every port. Call stop() in afterAll. */
export async function startSshd(o: SshdOptions): Promise<Sshd> {
  mkdirSync(o.dir, { recursive: true });
  const user = userInfo().username;
  // As root, sshd insists on its privilege separation directory (Debian creates it at boot via systemd only).
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(o.dir, 'ssh_host_ed25519_key');
  if (!existsSync(hostKey)) await generateKeyPair(hostKey);
  const authorizedKeysFile = join(o.dir, 'authorized_keys');
  writeFileSync(authorizedKeysFile, o.authorizedKeys.map((k) => readFileSync(k, 'utf8').trim()).join('\n') + '\n', { mode: 0o600 });
  for (let attempt = 0; attempt < 5; attempt++) {
    const s = await startOnce(o, hostKey, authorizedKeysFile, user);
    if (s !== 'retry') return s;
  }
  throw new Error('sshd: no free port after 5 tries');
}

/** A TCP server that accepts connections and never sends a byte: a host that hangs during the SSH handshake. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {}); // the client gives up and resets: expected
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((res) => server.close(res));
    },
  };
}
