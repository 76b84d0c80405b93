// Finds a directory for the ssh control sockets: <DATA_DIR>/ssh when its path is short enough, else a private /tmp dir.
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Longest directory we accept. A unix socket path holds at most 104 (BSD, macOS) to 108 (Linux) bytes with its NUL;
 * ssh binds `<ControlPath>.<16 random chars>` first, and our socket names are 23 characters: 103 - 17 - 1 - 23 = 62.
 */
export const MAX_CONTROL_DIR_LENGTH = 60;

export interface ControlDir {
  dir: string;
  /** True when DATA_DIR was too long (or not usable in an ssh option) and a /tmp directory is used instead. */
  fallback: boolean;
}

/** The real user id, or -1 where there is none (Windows); used in the fallback name and the ownership check. */
function uid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}

/** Creates the directory 0700 and checks it is ours: the sockets in it give a shell on every polled host. */
function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.isSymbolicLink()) throw new Error(`ssh control directory ${dir} is not a directory`);
  const me = uid();
  if (me !== -1 && st.uid !== me) throw new Error(`ssh control directory ${dir} belongs to uid ${st.uid}, not to us (uid ${me})`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Picks and prepares the control socket directory for `dataDir`; throws when no private directory can be had. */
export function resolveControlDir(dataDir: string, tmpRoot = '/tmp'): ControlDir {
  const preferred = resolve(dataDir, 'ssh');
  // Quotes or whitespace would need quoting inside `-o ControlPath=`; a fallback sidesteps them too.
  if (preferred.length <= MAX_CONTROL_DIR_LENGTH && !/[\s"%$]/.test(preferred)) {
    ensurePrivateDir(preferred);
    return { dir: preferred, fallback: false };
  }
  // Stable name per user and DATA_DIR, so a restarted controller finds the masters it left running.
  const tag = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12);
  const dir = `${tmpRoot.replace(/\/+$/, '')}/co-ssh-${uid() === -1 ? 'u' : uid()}-${tag}`;
  if (dir.length > MAX_CONTROL_DIR_LENGTH) throw new Error(`no short directory for ssh control sockets (${dir} is too long)`);
  ensurePrivateDir(dir);
  return { dir, fallback: true };
}
