// A real pseudo-terminal for the interactive-activity tests, held open by a python3 child (node has no pty module
// here): `type()` writes a keystroke to its master side and reads it from the slave side, the way a shell takes
// input, so the kernel moves the terminal's access time as it does for a person typing; `age(s)` sets the access
// time s seconds back (touch), for "untouched for longer than the window" without waiting that long.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const SCRIPT = `
import os, pty, sys, time
m, s = pty.openpty()
name = os.ttyname(s)
print(name, flush=True)
for line in sys.stdin:
    cmd = line.split()
    if not cmd:
        continue
    if cmd[0] == 'type':
        os.write(m, b'x\\n')
        os.read(s, 64)
    elif cmd[0] == 'age':
        t = time.time() - float(cmd[1])
        os.utime(name, (t, t))
    print('ok', os.stat(name).st_atime, flush=True)
`;

export interface PseudoTerminal {
  /** /dev/pts/N */
  path: string;
  /** Types a key; resolves with the terminal's access time afterwards (epoch ms). */
  type(): Promise<number>;
  /** Sets its access time `seconds` back; resolves with it (epoch ms). */
  age(seconds: number): Promise<number>;
  close(): void;
}

export async function openPseudoTerminal(): Promise<PseudoTerminal> {
  const proc: ChildProcess = spawn('python3', ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error('the pseudo-terminal helper exited');
    return r.value;
  };
  const path = await next();
  const ask = async (cmd: string): Promise<number> => {
    proc.stdin!.write(`${cmd}\n`);
    const [ok, at] = (await next()).split(' ');
    if (ok !== 'ok') throw new Error(`pseudo-terminal helper: ${ok}`);
    return Math.floor(Number(at) * 1000);
  };
  return { path, type: () => ask('type'), age: (s) => ask(`age ${s}`), close: () => proc.kill('SIGKILL') };
}
