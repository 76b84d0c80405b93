// The reader against the fake nvidia-smi run as a real child process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type AgentHealth, type GpuStats, GpuStatsSchema } from '../../../protocol';
import { BUSY_H100, FAKE_NVIDIA_SMI, type FakeState, IDLE_H100, countFakeSpawns, writeFakeState } from '../../../controller/src/fake-world/fake-nvidia-smi';
import { capturePath, fakeGpuOf, loadCaptureSections } from '../../../test/fixtures/captures';
import { memoryLogger } from '../../../test/support/memory-logger';
import { GpuReader } from './read';

const dir = mkdtempSync(join(tmpdir(), 'reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const readers: GpuReader[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((r) => r.stop()));
});

function setup(state: FakeState | null, opts: { bin?: string; silenceMs?: number } = {}) {
  const statePath = join(dir, `state-${readers.length}-${Date.now()}.json`);
  const spawnLog = join(dir, `spawns-${readers.length}-${Date.now()}.log`);
  if (state) writeFakeState(statePath, state);
  const { logger, lines } = memoryLogger();
  const reader = new GpuReader({
    nvidiaSmi: opts.bin ?? FAKE_NVIDIA_SMI,
    sampleIntervalMs: 100,
    env: { PATH: process.env.PATH ?? '', FAKE_NVIDIA_SMI_STATE: statePath, FAKE_NVIDIA_SMI_SPAWN_LOG: spawnLog },
    logger,
    backoffMinMs: 100,
    backoffMaxMs: 800,
    silenceMs: opts.silenceMs,
  });
  readers.push(reader);
  reader.start();
  // Intervals taken so far; poll() ends one more interval and returns all of them.
  const intervals: { gpus: GpuStats[]; health: AgentHealth }[] = [];
  const poll = () => {
    intervals.push(reader.takeInterval());
    return intervals;
  };
  return { reader, statePath, spawnLog, lines, intervals, poll };
}

const lastHealth = (xs: { health: AgentHealth }[]) => xs[xs.length - 1]!.health;

describe('GpuReader', () => {
  it('streams readings from one long-lived child and aggregates them per GPU', async () => {
    const { reader, poll, spawnLog } = setup({ gpus: [IDLE_H100, BUSY_H100] });
    expect(await reader.waitForFirstReading(10_000)).toBe(true);
    // Drop the first partial interval, then collect until each GPU has several readings in one interval.
    reader.takeInterval();
    let stats: GpuStats[] = [];
    await expect
      .poll(
        () => {
          const xs = poll();
          stats = xs[xs.length - 1]!.gpus;
          return stats.length === 2 && stats.every((g) => g.count >= 3) && lastHealth(xs).state === 'ok';
        },
        { timeout: 15_000, interval: 400 },
      )
      .toBe(true);
    for (const g of stats) expect(GpuStatsSchema.safeParse(g).success).toBe(true);
    expect(stats[0]).toMatchObject({ index: 0, utilUnknown: 0, util: { min: 0, mean: 0, max: 0 }, memTotal: 81559 });
    expect(stats[1]).toMatchObject({ index: 1, util: { min: 100, mean: 100, max: 100 }, memUsed: { min: 19818, max: 19818 } });
    expect(reader.gpuInfo().map((g) => g.name)).toEqual([IDLE_H100.name, BUSY_H100.name]);
    // One short --help-query-gpu run (the driver's field list), then the one long-lived query child.
    expect(reader.spawnCount).toBe(2);
    expect(countFakeSpawns(spawnLog)).toBe(2);
  });

  it('queries every engine the driver lists and streams their figures (2080 SUPER NVENC load, driver 595)', async () => {
    const load = loadCaptureSections().find((x) => x.file.includes('2080-super__595') && x.phase === 'load')!;
    const { reader, poll } = setup({ capture: capturePath(load.file), gpus: [fakeGpuOf(load)] });
    expect(await reader.waitForFirstReading(10_000)).toBe(true);
    expect(reader.queryFields).toEqual(load.fields);
    reader.takeInterval();
    let g: GpuStats | undefined;
    await expect.poll(() => (g = poll().at(-1)?.gpus[0]) !== undefined && g.count >= 2, { timeout: 15_000, interval: 300 }).toBe(true);
    expect(GpuStatsSchema.safeParse(g).success).toBe(true);
    expect(g).toMatchObject({ util: { max: 8 }, enc: { min: 100, max: 100 }, dec: { max: 0 }, jpeg: { max: 0 }, ofa: { max: 0 }, encSessions: { max: 2 } });
  });

  it('leaves out the engine fields an older driver does not list (one unknown field would refuse the whole query)', async () => {
    const { reader, poll } = setup({ driverLacks: ['utilization.jpeg', 'utilization.ofa'], gpus: [{ ...IDLE_H100, enc: 55 }] });
    expect(await reader.waitForFirstReading(10_000)).toBe(true);
    expect(reader.queryFields).not.toContain('utilization.jpeg');
    reader.takeInterval();
    let g: GpuStats | undefined;
    await expect.poll(() => (g = poll().at(-1)?.gpus[0]) !== undefined && g.count >= 1, { timeout: 15_000, interval: 300 }).toBe(true);
    expect(g).toMatchObject({ enc: { max: 55 }, dec: { max: 0 } });
    expect(g).not.toHaveProperty('jpeg');
    expect(g).not.toHaveProperty('ofa');
  });

  it('reports [N/A] utilization (MIG) as unknown readings, never as 0 %', async () => {
    const { reader, poll } = setup({ mode: 'na', gpus: [BUSY_H100] });
    await reader.waitForFirstReading(10_000);
    let i: { gpus: GpuStats[]; health: AgentHealth } | undefined;
    await expect
      .poll(
        () => {
          i = poll().find((x) => (x.gpus[0]?.count ?? 0) >= 2);
          return i !== undefined;
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBe(true);
    if (!i) throw new Error('unreachable');
    const g = i.gpus[0]!;
    expect(g.util).toBeNull();
    expect(g.utilUnknown).toBe(g.count);
    expect(i.health).toEqual({ state: 'ok' });
  });

  it('restarts nvidia-smi with backoff when it exits, reports "exited", and recovers', async () => {
    const { reader, poll, statePath, lines, spawnLog } = setup({ mode: 'exit', exitCode: 1 });
    await expect.poll(() => reader.spawnCount, { timeout: 20_000 }).toBeGreaterThanOrEqual(5); // the field-list run + 4
    const health = lastHealth(poll());
    expect(health).toMatchObject({ state: 'error', code: 'exited' });
    // The delays double: 0.1, 0.2, 0.4 s...
    const delays = lines
      .map((l) => /retrying in ([\d.]+) s/.exec(l)?.[1])
      .filter((x) => x !== undefined)
      .map(Number);
    expect(delays.slice(0, 3)).toEqual([0.1, 0.2, 0.4]);
    writeFakeState(statePath, { gpus: [IDLE_H100] });
    await expect.poll(() => lastHealth(poll()).state, { timeout: 20_000, interval: 300 }).toBe('ok');
    expect(lines.some((l) => l.includes('readings resumed'))).toBe(true);
    expect(countFakeSpawns(spawnLog)).toBe(reader.spawnCount);
  });

  it('reports a driver failure (message, exit 9) as "driver"', async () => {
    const { poll } = setup({ mode: 'driver-fail' });
    // Keep the intervals of the poll that matched: a later poll() may return none yet.
    let seen: ReturnType<typeof poll> = [];
    await expect
      .poll(
        () => {
          seen = poll();
          return lastHealth(seen);
        },
        { timeout: 15_000, interval: 200 },
      )
      .toMatchObject({ state: 'error', code: 'driver' });
    const h = lastHealth(seen);
    expect(h.state === 'error' && h.message).toContain("couldn't communicate with the NVIDIA driver");
    expect(seen.every((i) => i.gpus.length === 0)).toBe(true);
  });

  it('reports a missing binary as "missing"', async () => {
    const { poll } = setup(null, { bin: join(dir, 'no-such-nvidia-smi') });
    await expect.poll(() => lastHealth(poll()), { timeout: 10_000, interval: 100 }).toMatchObject({ state: 'error', code: 'missing' });
  });

  it('reports garbled output as "parse" and takes no reading from it', async () => {
    const { poll } = setup({ mode: 'garbage' });
    await expect.poll(() => lastHealth(poll()), { timeout: 10_000, interval: 300 }).toMatchObject({ state: 'error', code: 'parse' });
    expect(poll().every((i) => i.gpus.length === 0)).toBe(true);
  });

  it('kills a hung nvidia-smi and starts a new one', async () => {
    const { reader, poll, lines } = setup({ mode: 'hang' }, { silenceMs: 1500 });
    await expect.poll(() => reader.spawnCount, { timeout: 30_000 }).toBeGreaterThanOrEqual(3); // the field-list run + 2
    expect(lastHealth(poll())).toMatchObject({ state: 'error', code: 'exited' });
    expect(lines.some((l) => l.includes('printed nothing for a while'))).toBe(true);
  });
});
