// A missing or unusable nvidia-smi, met by a real spawn with a PATH built in a temp dir: "not found on PATH" and "not
// executable" are different messages, and an unsearchable PATH entry (EACCES from execvp) is not "not executable".
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AgentHealth } from '../../../protocol';
import { makeTempDir } from '../../../test/helpers/temp-dir';
import { memoryLogger } from '../../../test/support/memory-logger';
import { GpuReader } from './read';
import { spawnProblem } from './spawn-problem';

const dir = makeTempDir('co-spawn-problem-');
const readers: GpuReader[] = [];
afterEach(() => {
  for (const r of readers.splice(0)) r.stop();
});
afterAll(() => {
  if (existsSync(join(dir.path, 'locked'))) chmodSync(join(dir.path, 'locked'), 0o700);
  dir.cleanup();
});
const uid = process.getuid!();

function folder(name: string, mode = 0o755): string {
  const p = join(dir.path, name);
  mkdirSync(p, { recursive: true });
  chmodSync(p, mode);
  return p;
}

/** The health a real GpuReader reports after its nvidia-smi child failed to start with this PATH. */
async function healthWith(path: string, bin = 'nvidia-smi'): Promise<Extract<AgentHealth, { state: 'error' }>> {
  const reader = new GpuReader({
    nvidiaSmi: bin,
    sampleIntervalMs: 100,
    env: { PATH: path },
    logger: memoryLogger().logger,
    backoffMinMs: 100,
    backoffMaxMs: 400,
  });
  readers.push(reader);
  reader.start();
  let health: AgentHealth = reader.takeInterval().health;
  await expect.poll(() => (health = reader.takeInterval().health).state, { timeout: 10_000, interval: 50 }).toBe('error');
  if (health.state !== 'error') throw new Error('unreachable');
  return health;
}

describe('a nvidia-smi that cannot be started', () => {
  it('is "not found on PATH (...)" when no PATH entry has it', async () => {
    const path = `${folder('empty-a')}:${folder('empty-b')}`;
    const h = await healthWith(path);
    expect(h).toMatchObject({ code: 'missing', message: `nvidia-smi not found on PATH (${path}); is the NVIDIA driver installed?` });
  });

  it('is "at X is not executable by uid N" for a file without execute permission', async () => {
    const bin = folder('noexec');
    writeFileSync(join(bin, 'nvidia-smi'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const path = `${folder('empty-c')}:${bin}`;
    const h = await healthWith(path);
    expect(h).toMatchObject({ code: 'missing', message: `nvidia-smi at ${join(bin, 'nvidia-smi')} is not executable by uid ${uid}` });
    // Named by its path (NVIDIA_SMI=/x/y) the same.
    expect((await healthWith(path, join(bin, 'nvidia-smi'))).message).toBe(`${join(bin, 'nvidia-smi')} is not executable by uid ${uid}`);
  });

  // Root searches every directory: only an unprivileged user meets an unsearchable PATH entry (the agent's own user).
  it.skipIf(uid === 0)('is "not found on PATH", naming the unsearchable entries, when execvp answers EACCES', async () => {
    const locked = folder('locked', 0o000);
    const path = `${locked}:${folder('empty-d')}`;
    const h = await healthWith(path);
    expect(h.message).toBe(`nvidia-smi not found on PATH (${path}); not searchable by uid ${uid}: ${locked}; is the NVIDIA driver installed?`);
    expect(h.message).not.toMatch(/EACCES|not executable/);
  });

  it('tells an unsearchable entry from a missing one (the lookup, for any uid)', () => {
    // Root cannot meet EACCES on a directory, so the lookup is checked here with the path it would report.
    expect(spawnProblem('nvidia-smi', 'ENOENT', undefined, 1000)).toBe('nvidia-smi not found on PATH ()');
    expect(spawnProblem(join(dir.path, 'nowhere', 'nvidia-smi'), 'ENOENT', '/usr/bin', 1000)).toBe(`${join(dir.path, 'nowhere', 'nvidia-smi')} not found`);
  });
});
