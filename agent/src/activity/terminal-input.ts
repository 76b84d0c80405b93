// Terminal input: the newest access time of the host's pseudo-terminals, which is how `w` computes its IDLE column
// (procps w.c stats /dev/<tty> and uses st_atime). The kernel moves a tty's atime when a reader takes input from it
// (keystrokes), not when output is written, so an open terminal nobody types in ages like an idle one.
// Reads a directory and stats its entries: no child process, a few syscalls per report interval.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvidenceStatus } from './evidence';

export interface TerminalInput {
  /** Wall-clock epoch ms of the newest input on any terminal; null when none could be read. */
  at: number | null;
  status: EvidenceStatus;
  /** Why nothing could be read, for the agent's log. */
  problem: string | null;
}

const errCode = (e: unknown): string => (typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'error');

/** `dir` is /dev/pts unless configured (a container may see the host's elsewhere). Entries are 0, 1, 2...; ptmx is not a terminal. */
export async function readTerminalInput(dir: string): Promise<TerminalInput> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = errCode(e);
    if (code === 'ENOENT') return { at: null, status: 'none', problem: null };
    return { at: null, status: 'unreadable', problem: `${dir}: ${code}` };
  }
  const ttys = names.filter((n) => /^\d{1,9}$/.test(n));
  if (ttys.length === 0) return { at: null, status: 'none', problem: null };
  let at: number | null = null;
  let failed: string | null = null;
  for (const n of ttys) {
    try {
      const st = await stat(join(dir, n));
      if (!st.isCharacterDevice()) continue;
      if (at === null || st.atimeMs > at) at = st.atimeMs;
    } catch (e) {
      // A terminal closed between readdir and stat is normal; anything else means we cannot see input on it.
      const code = errCode(e);
      if (code !== 'ENOENT') failed = `${join(dir, n)}: ${code}`;
    }
  }
  if (at !== null) return { at: Math.floor(at), status: 'ok', problem: null };
  return failed === null ? { at: null, status: 'none', problem: null } : { at: null, status: 'unreadable', problem: failed };
}
