// A pretend host for installer tests: a temporary root, PATHs (busybox-only, fake old node), stand-in service managers,
// a runner for install.sh under dash or busybox sh, file-tree snapshots and process checks.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const INSTALL_SH = resolve(import.meta.dirname, '../../install/install.sh');
export type Shell = 'dash' | 'busybox';
export const SHELLS: Shell[] = ['dash', 'busybox'];
export const SERVICE = 'cost-optimizer-agent';

/** Directories a real root already has; the installer must leave them as it found them. */
const STANDARD_DIRS = ['etc/systemd/system', 'etc/init.d', 'etc/runlevels/default', 'opt', 'var/run', 'var/log', 'root'];

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A temporary root laid out like a real one (the installer's --prefix). */
export function makeRoot(): string {
  const root = tempDir('co-root-');
  for (const d of STANDARD_DIRS) mkdirSync(join(root, d), { recursive: true, mode: 0o755 });
  return root;
}

export function writeExec(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/** A bin dir with every busybox applet and nothing else (a minimal host), plus `node` when given. */
export function busyboxBin(node: string | null): string {
  const dir = tempDir('co-bb-bin-');
  const busybox = ['/usr/bin/busybox', '/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('busybox is not installed');
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter((a) => /^[a-z0-9_.[-]+$/.test(a));
  for (const a of applets) symlinkSync(busybox, join(dir, a));
  if (node !== null) symlinkSync(node, join(dir, 'node'));
  return dir;
}

/** A bin dir whose `node` is an old Node (prints the given version), to put before the real PATH. */
export function fakeNodeBin(version: string): string {
  const dir = tempDir('co-fake-node-');
  writeExec(join(dir, 'node'), `#!/bin/sh\necho ${version}\n`);
  return dir;
}

/**
 * Stand-ins for systemctl, rc-service and rc-update: each call is appended to <state>/calls; enabled/started state
 * lives in files; rc-update creates and removes the runlevel link under the root as OpenRC does.
 */
export function fakeManagers(root: string): { bin: string; state: string; calls(): string[]; env: Record<string, string> } {
  const bin = tempDir('co-fake-mgr-');
  const state = tempDir('co-fake-state-');
  writeExec(
    join(bin, 'systemctl'),
    `#!/bin/sh
# Fake systemctl for installer tests.
s=${state}
echo "systemctl $*" >>"$s/calls"
verb=$1; shift
now=0
for a in "$@"; do [ "$a" = --now ] && now=1; done
case $verb in
  is-enabled) [ -f "$s/enabled" ] ;;
  is-active) [ -f "$s/active" ] ;;
  enable) touch "$s/enabled"; [ $now = 0 ] || touch "$s/active" ;;
  disable) rm -f "$s/enabled"; [ $now = 0 ] || rm -f "$s/active" ;;
  start|restart) touch "$s/active" ;;
  stop) rm -f "$s/active" ;;
  daemon-reload) ;;
  *) echo "fake systemctl: unknown verb $verb" >&2; exit 1 ;;
esac
`,
  );
  writeExec(
    join(bin, 'rc-service'),
    `#!/bin/sh
# Fake rc-service for installer tests.
s=${state}
echo "rc-service $*" >>"$s/calls"
case $2 in
  status) [ -f "$s/active" ] ;;
  start|restart) touch "$s/active" ;;
  stop) rm -f "$s/active" ;;
  *) exit 1 ;;
esac
`,
  );
  writeExec(
    join(bin, 'rc-update'),
    `#!/bin/sh
# Fake rc-update for installer tests.
s=${state}
echo "rc-update $*" >>"$s/calls"
case $1 in
  add) ln -s /etc/init.d/$2 "${root}/etc/runlevels/$3/$2" ;;
  del) rm -f "${root}/etc/runlevels/$3/$2" ;;
  *) exit 1 ;;
esac
`,
  );
  return {
    bin,
    state,
    calls: () => (existsSync(join(state, 'calls')) ? readFileSync(join(state, 'calls'), 'utf8').trim().split('\n') : []),
    env: { SYSTEMCTL: join(bin, 'systemctl'), RC_SERVICE: join(bin, 'rc-service'), RC_UPDATE: join(bin, 'rc-update') },
  };
}

function which(name: string): string {
  const found = ['/usr/bin', '/bin', '/usr/local/bin'].map((d) => join(d, name)).find((p) => existsSync(p));
  if (!found) throw new Error(`${name} is not installed`);
  return found;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs install.sh under dash or busybox sh, asynchronously (the test's own HTTP server must keep answering).
 * `path` replaces PATH; the environment is otherwise minimal so nothing of the test runner leaks in.
 */
export function runInstaller(shell: Shell, args: string[], opts: { path?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  // Absolute paths: `path` may hold neither shell.
  const [cmd, pre] = shell === 'dash' ? [which('dash'), []] : [which('busybox'), ['sh']];
  const env = { PATH: opts.path ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/root', ...opts.env };
  return new Promise((done) => {
    execFile(cmd, [...pre, INSTALL_SH, ...args], { env, timeout: 120_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout, stderr: code === -1 ? `${stderr}${err?.message}` : stderr });
    });
  });
}

export interface Entry {
  type: 'file' | 'dir' | 'link';
  mode: number;
  mtimeMs: number;
  sha256: string;
}

/** Every path under root with its type, mode, mtime and content hash (links: their target). */
export function snapshot(root: string, skip: (rel: string) => boolean = () => false): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      if (skip(r)) continue;
      const p = join(root, r);
      const st = lstatSync(p);
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink()) {
        out.set(r, { type: 'link', mode, mtimeMs: st.mtimeMs, sha256: readlinkSync(p) });
      } else if (st.isDirectory()) {
        out.set(r, { type: 'dir', mode, mtimeMs: st.mtimeMs, sha256: '' });
        walk(r);
      } else {
        out.set(r, { type: 'file', mode, mtimeMs: st.mtimeMs, sha256: createHash('sha256').update(readFileSync(p)).digest('hex') });
      }
    }
  };
  walk('');
  return out;
}

/** A snapshot without mtimes: what must be equal before install and after uninstall. */
export function contentOf(snap: Map<string, Entry>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of snap) out[k] = `${v.type} ${v.mode.toString(8)} ${v.type === 'dir' ? '' : v.sha256}`;
  return out;
}

export function modeOf(path: string): string {
  return (lstatSync(path).mode & 0o7777).toString(8);
}

/** True when the process exists and is not a zombie (an exited child nobody reaped). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

export function environOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return '';
  }
}

/** Polls until check() returns a value other than undefined/false, or fails after timeoutMs with the message. */
export async function waitFor<T>(check: () => T | undefined | false, message: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${message}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Kills what a failed test may have left running under this root: the supervisor and the agent (pid files). */
export function killLeftovers(root: string): void {
  for (const f of [`${SERVICE}.pid`, `${SERVICE}.child.pid`]) {
    const p = join(root, 'var/run', f);
    if (!existsSync(p)) continue;
    const pid = Number(readFileSync(p, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 1 && cmdlineOf(pid).includes(root)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
