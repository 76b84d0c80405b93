// runCommand with real child processes (sh): deadline, output cap, process-group kill, missing program.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCommand } from './run-remote';

describe('runCommand', () => {
  it('returns exit status and output', async () => {
    const r = await runCommand('sh', ['-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false, truncated: false, spawnError: null });
  });

  it('kills a hanging child and what it started at the deadline', async () => {
    const r = await runCommand('sh', ['-c', 'sleep 30 & echo $!; wait'], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    const grandchild = Number(r.stdout.trim());
    expect(grandchild).toBeGreaterThan(1);
    // The grandchild (think: a ProxyCommand) was in the child's process group and died with it.
    await expect.poll(() => alive(grandchild), { timeout: 5_000 }).toBe(false);
  });

  it('does not wait for a grandchild that keeps stderr open after the child exited', async () => {
    // Like a ProxyCommand of a backgrounded ssh master: it holds stderr open long after ssh exited.
    const r = await runCommand('sh', ['-c', 'setsid sleep 30 >/dev/null & echo $!; exit 0'], { timeoutMs: 10_000 });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    const pid = Number(r.stdout.trim());
    expect(alive(pid)).toBe(true); // still holding the pipes: the run ended anyway
    process.kill(pid, 'SIGKILL');
  });

  it('reads stdout to its end even when the child exits first, and a held stdout ends at the deadline', async () => {
    const r = await runCommand('sh', ['-c', '(sleep 0.4; echo late) & exit 0'], { timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'late\n', timedOut: false });
    const held = await runCommand('sh', ['-c', 'setsid sleep 30 & echo $!; exit 0'], { timeoutMs: 500 });
    expect(held.timedOut).toBe(true);
    const pid = Number(held.stdout.trim());
    expect(pid).toBeGreaterThan(1);
    process.kill(pid, 'SIGKILL');
  });

  it('stops reading at the output cap', async () => {
    const r = await runCommand('sh', ['-c', 'yes nvidia | head -c 100000'], { timeoutMs: 10_000, maxStdoutBytes: 1000 });
    expect(r.truncated).toBe(true);
    expect(r.stdout.length).toBe(1000);
  });

  it('reports a program that does not exist instead of throwing', async () => {
    const r = await runCommand('/nonexistent/ssh', [], { timeoutMs: 1_000 });
    expect(r.spawnError).toMatch(/ENOENT/);
    expect(r.exitCode).toBeNull();
  });
});

/** Running (a killed process waiting to be reaped by init, state Z, counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
