// Terminal input on a real pseudo-terminal: typing moves its access time, an untouched one keeps its old time.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPseudoTerminal, type PseudoTerminal } from '../../../test/helpers/pseudo-terminal';
import { makeTempDir, type TempDir } from '../../../test/helpers/temp-dir';
import { readTerminalInput } from './terminal-input';

let pty: PseudoTerminal | null = null;
let tmp: TempDir | null = null;
afterEach(() => {
  pty?.close();
  tmp?.cleanup();
  pty = tmp = null;
});

/** A directory holding only this terminal (as /dev/pts/N), so other terminals on the machine do not interfere. */
function dirWith(p: PseudoTerminal): string {
  tmp = makeTempDir();
  symlinkSync(p.path, join(tmp.path, p.path.split('/').pop()!));
  symlinkSync('/dev/pts/ptmx', join(tmp.path, 'ptmx'));
  return tmp.path;
}

describe('readTerminalInput', () => {
  it('reads the access time of a real pseudo-terminal, which typing moves forward', async () => {
    pty = await openPseudoTerminal();
    const dir = dirWith(pty);
    const old = await pty.age(3600);
    const before = await readTerminalInput(dir);
    expect(before.status).toBe('ok');
    expect(Math.abs(before.at! - old)).toBeLessThan(1000);
    expect(Date.now() - before.at!).toBeGreaterThan(3500_000);
    const typed = await pty.type();
    const after = await readTerminalInput(dir);
    expect(after.status).toBe('ok');
    expect(after.at).toBeGreaterThan(before.at! + 3500_000);
    expect(Math.abs(after.at! - typed)).toBeLessThan(1000);
  });

  it('the real /dev/pts: an open terminal is found', async () => {
    pty = await openPseudoTerminal();
    const r = await readTerminalInput('/dev/pts');
    expect(r.status).toBe('ok');
    expect(r.at).not.toBeNull();
  });

  it('no terminals, no directory: none; a directory it may not read: unreadable', async () => {
    tmp = makeTempDir();
    expect(await readTerminalInput(join(tmp.path, 'missing'))).toEqual({ at: null, status: 'none', problem: null });
    const empty = join(tmp.path, 'empty');
    mkdirSync(empty);
    expect((await readTerminalInput(empty)).status).toBe('none');
    // the tests run as root, who reads every directory: a path that is not a directory stands in for one it cannot list
    const notDir = join(tmp.path, 'file');
    symlinkSync('/etc/hostname', notDir);
    const r = await readTerminalInput(notDir);
    expect(r.status).toBe('unreadable');
    expect(r.problem).toContain('ENOTDIR');
  });
});
