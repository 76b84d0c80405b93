// The compute-process counter against the fake nvidia-smi run as a real (second, long-lived) child.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FAKE_NVIDIA_SMI, type FakeState, countFakeSpawns, writeFakeState } from '../../../controller/src/fake-world/fake-nvidia-smi';
import { memoryLogger } from '../../../test/support/memory-logger';
import { ProcsReader, procsArgs, procsPeriodMs } from './procs';

const dir = mkdtempSync(join(tmpdir(), 'procs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const readers: ProcsReader[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((r) => r.stop()));
});

function setup(state: FakeState, bin = FAKE_NVIDIA_SMI) {
  const statePath = join(dir, `state-${readers.length}.json`);
  const spawnLog = join(dir, `spawns-${readers.length}.log`);
  writeFakeState(statePath, state);
  const reader = new ProcsReader({
    nvidiaSmi: bin,
    reportIntervalMs: 1000,
    env: { PATH: process.env.PATH ?? '', FAKE_NVIDIA_SMI_STATE: statePath, FAKE_NVIDIA_SMI_SPAWN_LOG: spawnLog },
    logger: memoryLogger().logger,
    backoffMinMs: 100,
  });
  readers.push(reader);
  reader.start();
  let t0 = Date.now();
  const results: (number | null)[] = [];
  const take = () => {
    const t1 = Date.now();
    results.push(reader.take(t0, t1));
    t0 = t1;
    return results[results.length - 1];
  };
  return { reader, statePath, spawnLog, take, results };
}

describe('ProcsReader', () => {
  it('loops at half the report interval (never below 0.5 s)', () => {
    expect(procsPeriodMs(10_000)).toBe(5000);
    expect(procsPeriodMs(300)).toBe(500);
    expect(procsArgs(5000)).toEqual(['--query-compute-apps=pid', '--format=csv,noheader', '-lms', '5000']);
  });

  it('counts distinct pids, follows changes, and infers 0 only after a whole period', async () => {
    const { take, statePath, spawnLog, results } = setup({ procs: 3 });
    await expect.poll(take, { timeout: 15_000, interval: 1000 }).toBe(3);
    writeFakeState(statePath, { procs: 0 });
    await expect.poll(take, { timeout: 15_000, interval: 1000 }).toBe(0);
    // Before the first whole period the answer was "not known", never 0.
    expect(results[0]).not.toBe(0);
    expect(countFakeSpawns(spawnLog)).toBe(1);
  });

  it('gives null when the query fails or the binary is missing', async () => {
    const failing = setup({ mode: 'driver-fail' });
    const missing = setup({}, join(dir, 'missing-nvidia-smi'));
    await expect.poll(() => failing.reader.spawnCount, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => missing.reader.spawnCount, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < 3; i++) {
      expect(failing.take()).toBeNull();
      expect(missing.take()).toBeNull();
    }
  });
});
