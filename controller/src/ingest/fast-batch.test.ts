// The fast batch check must never accept what the protocol's BatchSchema refuses, and should accept what real
// agents send. Random valid batches, then mutations of every field with values from a pool of edge cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchSchema } from '../../../protocol';
import { gpuStatsFor } from '../../../test/sim-agent';
import { fastCheckBatch } from './fast-batch';

const T = 1_750_000_000_000;
/** GPU 3 carries the optional engine fields (a newer agent), the others not (mixed fleets batch alike). */
const withEngines = (gpus: ReturnType<typeof gpuStatsFor>) =>
  gpus.map((g, i) =>
    i === 3
      ? {
          ...g,
          enc: { min: 40, mean: 64, max: 90 },
          dec: null,
          jpeg: { min: 0, mean: 0, max: 0 },
          ofa: { min: 0, mean: 0, max: 0 },
          encSessions: { min: 2, mean: 2, max: 2 },
        }
      : g,
  );
const valid = () => ({
  v: 1,
  type: 'batch',
  runId: 'run-abcdefgh',
  seq: 7,
  t0: T - 10_000,
  t1: T,
  sentAt: T + 5,
  gpus: withEngines(gpuStatsFor(8, 40)),
  procs: 2,
  health: { state: 'ok' },
  dropped: 0,
});

const edge = fc.oneof(
  fc.constantFrom(
    null,
    undefined,
    true,
    '',
    'x',
    'batch',
    'ok',
    'error',
    'driver',
    0,
    -0,
    1,
    -1,
    0.5,
    100,
    100.0000000001,
    101,
    1e9,
    1e9 + 1,
    1024,
    1023,
    64,
    65,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    NaN,
    Infinity,
    -Infinity,
    T,
    1_577_836_799_999,
    4_102_444_800_001,
    [],
    {},
    [1],
    { min: 0, mean: 0, max: 0 },
    { min: 5, mean: 4, max: 6 },
    { min: 0, mean: 0, max: 0, extra: 1 },
    { state: 'ok', x: 1 },
    { state: 'error', code: 'driver', message: 'm' },
    { state: 'error', code: 'nope', message: 'm' },
  ),
  fc.string({ maxLength: 70 }),
  fc.integer(),
  fc.double(),
);

/** Replaces or deletes one value somewhere in the batch, or adds a key. */
function mutate(b: ReturnType<typeof valid>, path: (string | number)[], value: unknown, op: 'set' | 'delete' | 'add'): unknown {
  const copy = structuredClone(b) as Record<string, unknown>;
  let target: Record<string | number, unknown> = copy;
  for (const p of path.slice(0, -1)) target = target[p] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (op === 'delete') delete target[last];
  else if (op === 'add') target['extra' + String(last)] = value;
  else target[last] = value;
  return copy;
}

const paths: (string | number)[][] = [
  ...Object.keys(valid()).map((k) => [k]),
  ...['index', 'uuid', 'count', 'utilUnknown', 'util', 'memUsed', 'memTotal', 'temp', 'power'].map((k) => ['gpus', 3, k]),
  ...['min', 'mean', 'max'].flatMap((k) => [
    ['gpus', 0, 'util', k],
    ['gpus', 7, 'memUsed', k],
    ['gpus', 2, 'power', k],
  ]),
  ...['enc', 'dec', 'jpeg', 'ofa', 'encSessions'].map((k) => ['gpus', 3, k]),
  ...['min', 'mean', 'max'].flatMap((k) => [
    ['gpus', 3, 'enc', k],
    ['gpus', 3, 'encSessions', k],
  ]),
  ['health', 'state'],
  ['gpus', 0],
];

describe('fastCheckBatch', () => {
  it('accepts a real-looking batch, with errors, nulls and no GPUs', () => {
    expect(fastCheckBatch(valid())).not.toBeNull();
    expect(BatchSchema.safeParse(valid()).success).toBe(true);
    expect(fastCheckBatch({ ...valid(), gpus: gpuStatsFor(8, 40) })).not.toBeNull(); // an older agent: no engine fields
    expect(fastCheckBatch({ ...valid(), gpus: [], procs: null, health: { state: 'error', code: 'driver', message: 'NVIDIA-SMI has failed' } })).not.toBeNull();
    expect(fastCheckBatch({ ...valid(), gpus: gpuStatsFor(2, null) })).not.toBeNull();
  });

  it('accepts the optional interactive report, and never what BatchSchema refuses in it', () => {
    const withKeys = () => ({
      ...valid(),
      interactive: { terminalInputAt: T - 60_000, terminals: 'ok', notebookActivityAt: null, notebookBusy: false, notebooks: 'none' },
    });
    expect(fastCheckBatch(withKeys())).not.toBeNull();
    const keyPaths = [['interactive'], ...['terminalInputAt', 'terminals', 'notebookActivityAt', 'notebookBusy', 'notebooks'].map((k) => ['interactive', k])];
    fc.assert(
      fc.property(fc.constantFrom(...keyPaths), edge, fc.constantFrom('set', 'delete', 'add') as fc.Arbitrary<'set' | 'delete' | 'add'>, (path, value, op) => {
        const candidate = mutate(withKeys() as unknown as ReturnType<typeof valid>, path, value, op);
        if (fastCheckBatch(candidate) !== null) expect(BatchSchema.safeParse(candidate).success).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('never accepts what BatchSchema refuses (mutations of every field)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...paths), edge, fc.constantFrom('set', 'delete', 'add') as fc.Arbitrary<'set' | 'delete' | 'add'>, (path, value, op) => {
        const candidate = mutate(valid(), path, value, op);
        if (fastCheckBatch(candidate) !== null) expect(BatchSchema.safeParse(candidate).success).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with BatchSchema on random well-formed batches', () => {
    const stat = (max: number) =>
      fc.tuple(fc.double({ min: 0, max, noNaN: true }), fc.double({ min: 0, max, noNaN: true }), fc.double({ min: 0, max, noNaN: true })).map(([a, b, c]) => {
        const [min, mean, hi] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
        return { min, mean, max: hi };
      });
    const gpu = fc.record({
      index: fc.integer({ min: 0, max: 1030 }),
      uuid: fc.option(fc.string({ maxLength: 130 }), { nil: null }),
      count: fc.integer({ min: 0, max: 100_001 }),
      utilUnknown: fc.integer({ min: 0, max: 100_001 }),
      util: fc.option(stat(101), { nil: null }),
      memUsed: fc.option(stat(1e9 + 10), { nil: null }),
      memTotal: fc.option(fc.double({ min: -1, max: 1e9 + 10, noNaN: true }), { nil: null }),
      temp: fc.option(stat(200), { nil: null }),
      power: fc.option(stat(1000), { nil: null }),
    });
    const batch = fc.record({
      v: fc.constantFrom(1, 2),
      type: fc.constant('batch'),
      runId: fc.string({ minLength: 6, maxLength: 66 }),
      seq: fc.integer({ min: 0, max: 1e6 }),
      t0: fc.integer({ min: T - 2 * 86_400_000, max: T }),
      t1: fc.integer({ min: T - 1000, max: T + 1000 }),
      sentAt: fc.integer({ min: T, max: T + 1000 }),
      gpus: fc.array(gpu, { maxLength: 66 }),
      procs: fc.option(fc.integer({ min: -1, max: 1_000_001 }), { nil: null }),
      health: fc.constant({ state: 'ok' }),
      dropped: fc.integer({ min: -1, max: 100 }),
    });
    let agreedValid = 0;
    fc.assert(
      fc.property(batch, (b) => {
        const fast = fastCheckBatch(b) !== null;
        const zod = BatchSchema.safeParse(b).success;
        if (fast) expect(zod).toBe(true);
        if (fast && zod) agreedValid++;
      }),
      { numRuns: 3000 },
    );
    expect(agreedValid).toBeGreaterThan(0);
  });
});
