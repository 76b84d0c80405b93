import { describe, expect, it } from 'vitest';
import { type ChildExit, LineSplitter, SupervisedChild } from './supervised-child';

function sh(script: string, extra: Partial<ConstructorParameters<typeof SupervisedChild>[0]> = {}) {
  const lines: string[] = [];
  const exits: ChildExit[] = [];
  const child = new SupervisedChild({
    command: 'sh',
    args: ['-c', script],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    onStdoutLine: (l) => lines.push(l),
    onExit: (e) => exits.push(e),
    backoffMinMs: 50,
    backoffMaxMs: 400,
    ...extra,
  });
  return { child, lines, exits };
}

describe('LineSplitter', () => {
  it('joins chunks into lines, drops blank lines and CR, bounds a runaway line', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l));
    s.push('a, 1\r\nb');
    s.push(', 2\n\n   \nc');
    expect(out).toEqual(['a, 1', 'b, 2']);
    s.flush();
    expect(out).toEqual(['a, 1', 'b, 2', 'c']);
    s.push('x'.repeat(70 * 1024));
    expect(out[3]).toHaveLength(64 * 1024);
  });
});

describe('SupervisedChild', () => {
  it('restarts a dying child with growing delays', async () => {
    const { child, lines, exits } = sh('echo started; exit 3');
    child.start();
    await expect.poll(() => exits.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
    await child.stop();
    expect(exits.slice(0, 5).map((e) => e.restartInMs)).toEqual([50, 100, 200, 400, 400]);
    expect(exits.slice(0, 5).every((e) => e.code === 3 && e.errno === null && !e.stopped)).toBe(true);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(child.startCount).toBe(lines.length);
  });

  it('goes back to the shortest delay after a stable run', async () => {
    const { child, exits } = sh('sleep 0.4; exit 1', { stableMs: 300, backoffMinMs: 50 });
    child.start();
    await expect.poll(() => exits.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    await child.stop();
    expect(exits.slice(0, 3).map((e) => e.restartInMs)).toEqual([50, 50, 50]);
  });

  it('kills and restarts a child that goes silent', async () => {
    const { child, lines, exits } = sh('echo one; exec sleep 30', { silenceMs: 1000 });
    child.start();
    await expect.poll(() => exits.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(exits[0]).toMatchObject({ stalled: true, signal: 'SIGKILL' });
    await expect.poll(() => lines.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    await child.stop();
  });

  it('reports a missing binary as ENOENT', async () => {
    const exits: ChildExit[] = [];
    const child = new SupervisedChild({
      command: '/nonexistent/nvidia-smi',
      args: [],
      env: {},
      onStdoutLine: () => {},
      onExit: (e) => exits.push(e),
      backoffMinMs: 50,
    });
    child.start();
    await expect.poll(() => exits.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await child.stop();
    expect(exits[0]).toMatchObject({ errno: 'ENOENT', code: null });
  });

  it('stop() ends the child for good and marks the exit as expected', async () => {
    const { child, exits } = sh('echo hi; exec sleep 30');
    child.start();
    await expect.poll(() => child.running, { timeout: 10_000 }).toBe(true);
    await child.stop();
    expect(child.running).toBe(false);
    expect(exits).toHaveLength(1);
    expect(exits[0]!.stopped).toBe(true);
    const starts = child.startCount;
    await new Promise((r) => setTimeout(r, 200));
    expect(child.startCount).toBe(starts);
  });
});
