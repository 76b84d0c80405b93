// Measures the database growth per instance-day on a real file: 8 GPUs, one sample per 10 s (8640 a day), written
// the way ingest writes them (many instances interleaved, one transaction per flush). docs/architecture.md target: <= 1 MB.
import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { GpuStats } from '../../../protocol';
import { OK } from '../../../test/helpers/gpu-stats';
import { makeTempDir } from '../../../test/helpers/temp-dir';
import { dbPath } from './open-db';
import { openStore } from './store';
import type { SampleInput } from './types';

const dir = makeTempDir();
afterAll(() => dir.cleanup());

const zero = { min: 0, mean: 0, max: 0 };

/** The worst realistic case: every GPU busy all day (large memory and power figures take the most bytes). */
function gpuList(i: number): GpuStats[] {
  return Array.from({ length: 8 }, (_, g) => {
    const u = 60 + ((i * 7 + g * 13) % 40);
    return {
      index: g,
      uuid: null,
      count: 10,
      utilUnknown: 0,
      util: { min: u - 20, mean: u - 5, max: u },
      memUsed: { min: 70_000, mean: 71_000, max: 72_000 + (i % 100) },
      memTotal: 143_771,
      temp: { min: 30, mean: 35, max: 70 },
      power: { min: 60, mean: 450 + (i % 200), max: 700 },
      // A current driver reports the other engines too; on a training GPU they read 0 (stored in no extra byte).
      enc: zero,
      dec: zero,
      jpeg: zero,
      ofa: zero,
      encSessions: zero,
    };
  });
}

describe('sample storage size', () => {
  it('stays under 1 MB per instance-day for 8 GPUs at one sample per 10 s', () => {
    const instances = 6;
    const path = dbPath(dir.path);
    const store = openStore(path, { retentionRawHours: 24 * 365 });
    const start = 1_750_000_000_000;
    for (let i = 0; i < 8640; i++) {
      const inputs: SampleInput[] = [];
      for (let inst = 0; inst < instances; inst++) {
        const t1 = start + i * 10_000 + inst * 37;
        inputs.push({
          instanceId: `vast:${inst}`,
          source: 'agent',
          t0: t1 - 10_000,
          t1,
          gpus: gpuList(i),
          procs: 3,
          health: OK,
          run: { runId: `run-${inst}-aaaaaaaa`, seq: 1_000_000 + i },
        });
      }
      store.insertSamples(inputs, start + i * 10_000 + 1000);
    }
    (store.db as import('better-sqlite3').Database).pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    const perInstanceDay = statSync(path).size / instances;
    console.log(`sample storage: ${Math.round(perInstanceDay)} bytes per instance-day (${(perInstanceDay / 8640).toFixed(1)} bytes per sample)`);
    expect(perInstanceDay).toBeLessThanOrEqual(1_000_000);
  });
});
