// The inhibition entries `cost-optimizer-agent inhibit` leaves in AGENT_INHIBIT_DIR, and how the agent reads them.
// An entry names a process by pid and start time (field 22 of /proc/PID/stat), so it counts only while that very
// process lives: a kill -9 ends it as surely as an exit, and a reused pid does not revive it. Each entry counts for
// at most MAX_INHIBIT_MS from its start, whatever it says, so a forged or stuck entry never keeps an instance forever.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Inhibition, MAX_INHIBIT_MS } from '../../../protocol';

export { MAX_INHIBIT_MS };

/** What an entry file holds (JSON). Times are wall-clock epoch ms. */
export interface InhibitEntry {
  why: string;
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/PID/stat field 22). */
  start: number;
  since: number;
  until: number;
}

/** `<pid>-<start>.json`: one file per inhibiting process. */
export const ENTRY_NAME = /^(\d{1,7})-(\d{1,20})\.json$/;
/** Entries read per report at most: a directory flooded by a local user costs the agent a bounded amount of work. */
export const MAX_ENTRIES_READ = 64;
const MAX_ENTRY_BYTES = 4096;

export function entryFileName(pid: number, start: number): string {
  return `${pid}-${start}.json`;
}

/** The start time (field 22) in /proc/PID/stat's text; null when the text is not a stat line. */
export function parseStartTime(statText: string): number | null {
  // The command name (field 2) is in parentheses and may itself hold spaces or ')': fields count from the last ')'.
  const close = statText.lastIndexOf(')');
  if (close < 0) return null;
  const f = statText.slice(close + 2).split(' ');
  const v = Number(f[19]);
  return Number.isSafeInteger(v) && v >= 0 ? v : null;
}

/** The process's start time, or null when it does not exist (or cannot be read). */
export function processStartTime(hostProc: string, pid: number): number | null {
  try {
    return parseStartTime(readFileSync(join(hostProc, String(pid), 'stat'), 'utf8'));
  } catch {
    return null;
  }
}

/** The entry in a file's text; null when it is not a well-formed entry. */
export function parseEntry(text: string): InhibitEntry | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const e = v as Record<string, unknown>;
  const ints = [e.pid, e.start, e.since, e.until].every((n) => Number.isSafeInteger(n) && (n as number) >= 0);
  if (!ints || typeof e.why !== 'string') return null;
  return { why: e.why.slice(0, 200), pid: e.pid as number, start: e.start as number, since: e.since as number, until: e.until as number };
}

/**
 * The inhibitions in force at `nowWall` (wall-clock ms), oldest first: a well-formed entry whose process is alive with
 * the start time it names, started no later than now, and not past its end or the cap. Anything else counts for
 * nothing (stale entries of dead processes are left for their owners to remove: the directory is sticky).
 */
export function readInhibitions(dir: string, hostProc: string, nowWall: number): Inhibition[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Inhibition[] = [];
  for (const name of names.filter((n) => ENTRY_NAME.test(n)).slice(0, MAX_ENTRIES_READ)) {
    const m = ENTRY_NAME.exec(name)!;
    const path = join(dir, name);
    let entry: InhibitEntry | null = null;
    try {
      const st = lstatSync(path);
      if (!st.isFile() || st.size > MAX_ENTRY_BYTES) continue; // never follow a link planted in a shared directory
      entry = parseEntry(readFileSync(path, 'utf8'));
    } catch {
      continue;
    }
    if (entry === null || entry.pid !== Number(m[1]) || entry.start !== Number(m[2])) continue;
    const until = Math.min(entry.until, entry.since + MAX_INHIBIT_MS);
    if (entry.since > nowWall + 60_000 || nowWall >= until) continue;
    if (processStartTime(hostProc, entry.pid) !== entry.start) continue;
    out.push({ why: entry.why, pid: entry.pid, since: entry.since, until });
  }
  return out.sort((a, b) => a.since - b.since);
}
