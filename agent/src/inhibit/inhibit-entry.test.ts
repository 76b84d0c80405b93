// Inhibition entries against real processes: an entry counts while its process lives with the start time it names,
// not after a kill -9, not for a reused pid, not past its end or the cap, and never through a planted link.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/helpers/temp-dir';
import { parseDuration, parseInhibitArgs, writeEntry } from './inhibit-command';
import { entryFileName, MAX_INHIBIT_MS, parseStartTime, processStartTime, readInhibitions } from './inhibit-entry';

const dirs: { cleanup(): void }[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) d.cleanup();
});

function tempDir(): string {
  const d = makeTempDir('co-inhibit-');
  dirs.push(d);
  return d.path;
}

async function sleeper(): Promise<ChildProcess> {
  const c = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(c);
  await new Promise((r) => c.once('spawn', r));
  return c;
}

describe('inhibit entries', () => {
  it('reads the start time after the command name, whatever the name holds', () => {
    const line = '4242 (my ) odd (name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1234 56 18446744073709551615';
    expect(parseStartTime(line)).toBe(987654);
    expect(parseStartTime('garbage')).toBeNull();
  });

  it('counts an entry while its process lives, and not after a kill -9', async () => {
    const dir = tempDir();
    const c = await sleeper();
    const start = processStartTime('/proc', c.pid!)!;
    const now = Date.now();
    writeEntry(dir, { why: 'dataset download', pid: c.pid!, start, since: now - 60_000, until: now + 3_600_000 });
    expect(readInhibitions(dir, '/proc', now)).toEqual([{ why: 'dataset download', pid: c.pid, since: now - 60_000, until: now + 3_600_000 }]);
    c.kill('SIGKILL');
    await new Promise((r) => c.once('exit', r));
    expect(readInhibitions(dir, '/proc', Date.now())).toEqual([]);
  });

  it('ignores a reused pid, an ended or capped entry, a link and a forged name', async () => {
    const dir = tempDir();
    const c = await sleeper();
    const start = processStartTime('/proc', c.pid!)!;
    const now = Date.now();
    // Same pid, another start time: the pid was reused by another process.
    writeEntry(dir, { why: 'reused', pid: c.pid!, start: start + 1, since: now, until: now + 60_000 });
    expect(readInhibitions(dir, '/proc', now)).toEqual([]);
    // Ended, and one that claims a year: it counts only up to the cap from its start.
    writeEntry(dir, { why: 'long', pid: c.pid!, start, since: now - MAX_INHIBIT_MS - 1, until: now + 365 * 86_400_000 });
    expect(readInhibitions(dir, '/proc', now)).toEqual([]);
    // A link planted in the shared directory is never followed.
    const elsewhere = join(tempDir(), 'x.json');
    writeFileSync(elsewhere, JSON.stringify({ why: 'link', pid: c.pid, start, since: now, until: now + 60_000 }));
    rmSync(join(dir, entryFileName(c.pid!, start)));
    symlinkSync(elsewhere, join(dir, entryFileName(c.pid!, start)));
    expect(readInhibitions(dir, '/proc', now)).toEqual([]);
    // A file whose name and content disagree.
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, entryFileName(1, 1)), JSON.stringify({ why: 'forged', pid: c.pid, start, since: now, until: now + 60_000 }));
    expect(readInhibitions(dir, '/proc', now)).toEqual([]);
  });

  it('parses the command line and durations, refusing --for beyond the cap', () => {
    expect(parseInhibitArgs(['--why', 'dl', '--', 'sleep', '25'])).toEqual({ mode: 'run', why: 'dl', command: ['sleep', '25'] });
    expect(parseInhibitArgs(['--for', '30m'])).toEqual({ mode: 'for', why: null, ms: 1_800_000 });
    expect(parseInhibitArgs(['--list'])).toEqual({ mode: 'list' });
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('soon')).toBeNull();
    expect(() => parseInhibitArgs(['--for', '2d'])).toThrow(/at most 24h/);
    expect(() => parseInhibitArgs([])).toThrow(/give a command/);
  });
});
