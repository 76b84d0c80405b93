// Process CPU and memory from /proc for the benches: one process's utime+stime and RSS, and the CPU of a whole process
// tree (PostgreSQL's postmaster and its backends), counted so that children which exit between two readings are not lost.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU fields (USER_HZ: 100 on every Linux this runs on). */
export const TICKS_PER_SEC = 100;

interface StatFields {
  ppid: number;
  /** utime + stime: this process's own CPU, in ticks. */
  ownTicks: number;
  /** cutime + cstime: CPU of the children it has waited for (reaped), in ticks. */
  reapedChildTicks: number;
}

function readStat(pid: number): StatFields | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, so field n sits at index n - 3.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ownTicks: Number(f[11]) + Number(f[12]), reapedChildTicks: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/** utime+stime (ticks) and resident memory (KiB) of one process, or null once it is gone. */
export function procStats(pid: number): { cpuTicks: number; rssKb: number } | null {
  const s = readStat(pid);
  if (s === null) return null;
  try {
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuTicks: s.ownTicks, rssKb: rss ? Number(rss[1]) : 0 };
  } catch {
    return null;
  }
}

/**
 * CPU ticks used so far by `root` and every process below it: the root's own time, the reaped children's times it
 * has collected (cutime+cstime: PostgreSQL's postmaster waits for each backend that exits), and the live descendants'
 * own times. The difference of two readings is the tree's CPU between them, short-lived backends included (a
 * descendant's grandchildren reaped by a live descendant are in that one's cutime, which is not read: PostgreSQL's
 * server processes are all children of the postmaster).
 */
export function treeCpuTicks(root: number): number | null {
  const rootStat = readStat(root);
  if (rootStat === null) return null;
  const children = new Map<number, number[]>();
  const own = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s === null) continue;
    own.set(Number(name), s.ownTicks);
    const list = children.get(s.ppid);
    if (list) list.push(Number(name));
    else children.set(s.ppid, [Number(name)]);
  }
  let ticks = rootStat.ownTicks + rootStat.reapedChildTicks;
  const stack = [...(children.get(root) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    ticks += own.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks;
}

/** The pid of the `postgres` server this process started listening on `port` (a direct child of this process). */
export function postmasterPid(port: number): number | null {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (readStat(Number(name))?.ppid !== process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const p = argv.indexOf('-p');
      if (argv[0]?.endsWith('postgres') && p >= 0 && argv[p + 1] === String(port)) return Number(name);
    } catch {
      // exited meanwhile
    }
  }
  return null;
}
