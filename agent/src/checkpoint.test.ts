// The checkpoint hook runs the agent's own command in its own process group, with a timeout that kills the group.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PreparePauseResultSchema } from '../../protocol';
import { runCheckpoint } from './checkpoint';
import { PreparePauseHandler } from './prepare-pause';
import { memoryLogger } from '../../test/support/memory-logger';

const dir = mkdtempSync(join(tmpdir(), 'checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runCheckpoint', () => {
  it('answers "none" without running anything when no hook is configured', async () => {
    const r = await runCheckpoint('req-1', { command: null, timeoutMs: 1000, env });
    expect(r).toMatchObject({ type: 'prepare-pause-result', requestId: 'req-1', outcome: 'none', exitCode: null, output: '' });
    expect(PreparePauseResultSchema.safeParse(r).success).toBe(true);
  });

  it('runs the command with sh -c and reports ok with its output', async () => {
    const marker = join(dir, 'ok');
    const r = await runCheckpoint('req-2', { command: `echo saving; echo to-stderr >&2; touch ${marker}`, timeoutMs: 10_000, env });
    expect(r).toMatchObject({ outcome: 'ok', exitCode: 0 });
    expect(r.output).toContain('saving');
    expect(r.output).toContain('to-stderr');
    expect(existsSync(marker)).toBe(true);
    expect(PreparePauseResultSchema.safeParse(r).success).toBe(true);
  });

  it('reports a non-zero exit as failed, keeping only the last 4 KB of output', async () => {
    const r = await runCheckpoint('req-3', { command: `head -c 20000 /dev/zero | tr '\\0' a; echo; echo THE-END; exit 7`, timeoutMs: 10_000, env });
    expect(r).toMatchObject({ outcome: 'failed', exitCode: 7 });
    expect(r.output.length).toBe(4096);
    expect(r.output.trimEnd().endsWith('THE-END')).toBe(true);
    expect(PreparePauseResultSchema.safeParse(r).success).toBe(true);
  });

  it('on timeout kills the whole process group, background children included', async () => {
    const pidFile = join(dir, 'bg.pid');
    const r = await runCheckpoint('req-4', {
      command: `sleep 60 & echo $! > ${pidFile}; echo started; wait`,
      // Long enough for sh to start and write the pid file on a busy machine.
      timeoutMs: 2000,
      env,
      killGraceMs: 200,
    });
    expect(r).toMatchObject({ outcome: 'timeout' });
    expect(r.output).toContain('started');
    const bg = Number(readFileSync(pidFile, 'utf8').trim());
    expect(bg).toBeGreaterThan(0);
    await expect.poll(() => alive(bg), { timeout: 10_000 }).toBe(false);
  });
});

describe('PreparePauseHandler', () => {
  it('caps the controller timeout with the agent limit, joins a running hook, and remembers answers', async () => {
    const counter = join(dir, 'count');
    const { logger } = memoryLogger();
    const h = new PreparePauseHandler({ command: `echo x >> ${counter}; sleep 0.3`, maxTimeoutMs: 5000, env, logger });
    const a = h.handle({ v: 1, type: 'prepare-pause', requestId: 'a', timeoutMs: 3_600_000 });
    const b = h.handle({ v: 1, type: 'prepare-pause', requestId: 'b', timeoutMs: 1000 });
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toMatchObject({ requestId: 'a', outcome: 'ok' });
    expect(rb).toMatchObject({ requestId: 'b', outcome: 'ok' });
    const again = await h.handle({ v: 1, type: 'prepare-pause', requestId: 'a', timeoutMs: 1000 });
    expect(again).toEqual(ra);
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(1);

    const capped = new PreparePauseHandler({ command: 'sleep 30', maxTimeoutMs: 300, env, logger, killGraceMs: 100 });
    expect(await capped.handle({ v: 1, type: 'prepare-pause', requestId: 'c', timeoutMs: 600_000 })).toMatchObject({ outcome: 'timeout' });
  });
});
