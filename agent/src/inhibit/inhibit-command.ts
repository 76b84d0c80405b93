// `cost-optimizer-agent inhibit`, modelled on systemd-inhibit: while COMMAND runs (or for --for DURATION) the
// instance is not paused and its delete clock stands still. Exits with COMMAND's status. Any local user may run it:
// it only writes an entry naming its process to AGENT_INHIBIT_DIR (a sticky, world-writable directory), which the
// agent reads with each report. The entry counts while that process lives, at most MAX_INHIBIT_MS.
import { spawn } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { entryFileName, type InhibitEntry, MAX_INHIBIT_MS, processStartTime, readInhibitions } from './inhibit-entry';
import { roughDuration } from '../../../protocol/duration-text';

export const INHIBIT_USAGE = `Usage: cost-optimizer-agent inhibit [--why TEXT] -- COMMAND [ARGS...]
       cost-optimizer-agent inhibit --for DURATION [--why TEXT]
       cost-optimizer-agent inhibit --list

Keeps this instance from being paused (and stops its delete clock) while COMMAND runs, or for DURATION
(90s, 30m, 2h, 1d; at most ${MAX_INHIBIT_MS / 3_600_000}h). Exits with COMMAND's status.`;

export type InhibitArgs =
  { mode: 'run'; why: string | null; command: string[] } | { mode: 'for'; why: string | null; ms: number } | { mode: 'list' } | { mode: 'help' };

/** `90s`, `30m`, `2h`, `1d`, or bare seconds; null when unreadable. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?$/.exec(text.trim());
  if (m === null) return null;
  const unit = { s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 's']!;
  const ms = Math.round(Number(m[1]) * unit);
  return ms > 0 ? ms : null;
}

export class InhibitUsageError extends Error {}

export function parseInhibitArgs(argv: readonly string[]): InhibitArgs {
  let why: string | null = null;
  let forMs: number | null = null;
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      const command = argv.slice(i + 1);
      if (command.length === 0) throw new InhibitUsageError('no command after --');
      if (forMs !== null || list) throw new InhibitUsageError('a command cannot go with --for or --list');
      return { mode: 'run', why, command: [...command] };
    }
    if (a === '--help' || a === '-h') return { mode: 'help' };
    if (a === '--list') list = true;
    else if (a === '--why' || a === '--for') {
      const v = argv[++i];
      if (v === undefined) throw new InhibitUsageError(`${a} needs a value`);
      if (a === '--why') why = v;
      else {
        forMs = parseDuration(v);
        if (forMs === null) throw new InhibitUsageError(`--for: cannot read "${v.slice(0, 40)}" as a duration (90s, 30m, 2h, 1d)`);
        if (forMs > MAX_INHIBIT_MS)
          throw new InhibitUsageError(`--for: at most ${MAX_INHIBIT_MS / 3_600_000}h (a forgotten inhibition must end); renew it if the work goes on`);
      }
    } else if (!a.startsWith('-')) {
      // systemd-inhibit style without `--`: the command starts at the first word that is not an option.
      if (forMs !== null || list) throw new InhibitUsageError('a command cannot go with --for or --list');
      return { mode: 'run', why, command: argv.slice(i) };
    } else throw new InhibitUsageError(`unknown option ${a}`);
  }
  if (list) return { mode: 'list' };
  if (forMs !== null) return { mode: 'for', why, ms: forMs };
  throw new InhibitUsageError('give a command (after --), --for DURATION or --list');
}

/** Makes the shared directory when it is missing: sticky and writable by every user, like /tmp. */
export function ensureInhibitDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o1777 });
    chmodSync(dir, 0o1777); // the umask took bits off; harmless when someone else made it (then it fails silently)
  } catch {
    // Made by another user: fine as long as we may write into it (the write below says so otherwise).
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory (AGENT_INHIBIT_DIR)`);
}

/** Writes the entry for a live process; returns its path. */
export function writeEntry(dir: string, entry: InhibitEntry): string {
  ensureInhibitDir(dir);
  const path = join(dir, entryFileName(entry.pid, entry.start));
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(entry) + '\n', { mode: 0o644, flag: 'wx' });
  renameSync(tmp, path);
  return path;
}

function remove(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Gone already, or the directory was removed: the entry counts for nothing once its process is gone anyway.
  }
}

export interface InhibitDeps {
  inhibitDir: string;
  hostProc: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Runs the subcommand; resolves to the exit status. */
export async function runInhibit(argv: readonly string[], deps: InhibitDeps): Promise<number> {
  let args: InhibitArgs;
  try {
    args = parseInhibitArgs(argv);
  } catch (e) {
    if (!(e instanceof InhibitUsageError)) throw e;
    deps.err(`cost-optimizer-agent inhibit: ${e.message}\n${INHIBIT_USAGE}`);
    return 2;
  }
  if (args.mode === 'help') {
    deps.out(INHIBIT_USAGE);
    return 0;
  }
  if (args.mode === 'list') {
    const now = Date.now();
    const list = readInhibitions(deps.inhibitDir, deps.hostProc, now);
    if (list.length === 0) deps.out(`nothing inhibits pausing now (${deps.inhibitDir})`);
    for (const i of list) deps.out(`pid ${i.pid}  '${i.why}'  for ${roughDuration(now - i.since)}, ends by ${new Date(i.until).toISOString()}`);
    return 0;
  }
  if (args.mode === 'for') return inhibitFor(args.ms, args.why ?? `inhibit --for ${roughDuration(args.ms)}`, deps);
  return inhibitRun(args.command, args.why ?? args.command.join(' '), deps);
}

function entryFor(pid: number, why: string, ms: number, hostProc: string): InhibitEntry | null {
  const start = processStartTime(hostProc, pid);
  if (start === null) return null;
  const since = Date.now();
  return { why: why.slice(0, 200), pid, start, since, until: since + ms };
}

async function inhibitFor(ms: number, why: string, deps: InhibitDeps): Promise<number> {
  const entry = entryFor(process.pid, why, ms, deps.hostProc);
  if (entry === null) {
    deps.err(`cost-optimizer-agent inhibit: cannot read ${deps.hostProc}/${process.pid}/stat (HOST_PROC)`);
    return 1;
  }
  let path: string;
  try {
    path = writeEntry(deps.inhibitDir, entry);
  } catch (e) {
    deps.err(`cost-optimizer-agent inhibit: cannot write to ${deps.inhibitDir}: ${(e as Error).message}`);
    return 1;
  }
  deps.out(`inhibiting pauses for ${roughDuration(ms)} ('${entry.why}'); Ctrl-C ends it`);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const stop = () => {
      clearTimeout(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.once('SIGHUP', stop);
  });
  remove(path);
  return 0;
}

async function inhibitRun(command: string[], why: string, deps: InhibitDeps): Promise<number> {
  const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit' });
  const spawned = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', (e) => resolve(e));
  });
  if (spawned !== null || child.pid === undefined) {
    deps.err(`cost-optimizer-agent inhibit: cannot run ${command[0]}: ${spawned?.message ?? 'no pid'}`);
    return 127;
  }
  // The entry names the command's own process: it ends when the command ends, however it ends.
  const entry = entryFor(child.pid, why, MAX_INHIBIT_MS, deps.hostProc);
  let path: string | null = null;
  try {
    if (entry !== null) path = writeEntry(deps.inhibitDir, entry);
  } catch (e) {
    deps.err(`cost-optimizer-agent inhibit: cannot write to ${deps.inhibitDir}: ${(e as Error).message}; running without inhibiting`);
  }
  // Signals to us go to the command (a terminal's Ctrl-C reaches both anyway); we wait for it to exit.
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, forward(sig));
  const status = await new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (signalNumber(signal) ?? 1) : 1)));
  });
  if (path !== null) remove(path);
  return status;
}

function signalNumber(signal: NodeJS.Signals): number | null {
  return constants.signals[signal] ?? null;
}
