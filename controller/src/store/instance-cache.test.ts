// The in-memory copy of the instances table: what list() returns must always equal a fresh read of the file, after
// inventories, samples, hellos, rollbacks and writes by another connection.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batch, gpus } from '../../../test/helpers/gpu-stats';
import { makeTempDir, type TempDir } from '../../../test/helpers/temp-dir';
import type { ProviderInstance } from '../domain/instance';
import { INSTANCE_COLUMNS, type InstanceRow, toRecord } from './instance-row';
import { dbPath } from './open-db';
import { openStore, type Store } from './store';
import type { SampleInput } from './types';

const T = 1_750_000_000_000;
let dir: TempDir;
let store: Store;

beforeEach(() => {
  dir = makeTempDir();
  store = openStore(dbPath(dir.path));
});
afterEach(() => {
  store.close();
  dir.cleanup();
});

function vast(id: string, over: Partial<ProviderInstance> = {}): ProviderInstance {
  return {
    id: `vast:${id}`,
    provider: 'vast',
    providerId: id,
    name: `box-${id}`,
    state: 'running',
    rawState: 'running',
    gpuName: 'RTX 4090',
    numGpus: 2,
    pricePerHour: 0.5,
    stoppedPricePerHour: 0.05,
    createdAt: T - 86_400_000,
    ssh: { host: 'ssh5.vast.ai', port: 12345 },
    labels: { team: 'a' },
    providerUtil: 10,
    ...over,
  };
}

function sample(instanceId: string, seq: number, t1: number, memTotal = 24_000): SampleInput {
  const b = batch('run-1', seq, t1, gpus(2, 40));
  return { instanceId, source: 'agent', t0: b.t0, t1: b.t1, gpus: b.gpus.map((g) => ({ ...g, memTotal })), procs: 1, health: b.health, run: { runId: 'run-1', seq } };
}

/** What a read-only connection reads from the file (writing nothing, so the copy is not made to reload). */
function fromFile(): unknown {
  const other = new Database(dbPath(dir.path), { readonly: true });
  try {
    const rows = other.prepare(`SELECT ${INSTANCE_COLUMNS} FROM instances ORDER BY id`).raw().all() as InstanceRow[];
    return JSON.parse(JSON.stringify(rows.map(toRecord)));
  } finally {
    other.close();
  }
}
const listed = () => JSON.parse(JSON.stringify(store.listInstances())) as unknown;

describe('instances cache', () => {
  it('matches the file after inventories, unchanged re-listings, samples, hellos and a missing instance', () => {
    store.upsertInventory('vast', [vast('1'), vast('2'), vast('3')], T);
    expect(listed()).toEqual(fromFile());
    // Unchanged: only lastInventoryAt moves, in memory and on disk.
    store.upsertInventory('vast', [vast('1'), vast('2'), vast('3')], T + 60_000);
    expect(store.getInstance('vast:1')?.lastInventoryAt).toBe(T + 60_000);
    expect(listed()).toEqual(fromFile());
    // Changed fields of every kind are written.
    store.upsertInventory('vast', [vast('1', { labels: { team: 'b' } }), vast('2', { state: 'stopped', rawState: 'exited' }), vast('3', { ssh: { host: 'h', port: 2 }, pricePerHour: 0.7 })], T + 120_000);
    const after = store.listInstances();
    expect(after.map((r) => [r.labels, r.state, r.ssh, r.pricePerHour])).toEqual([
      [{ team: 'b' }, 'running', { host: 'ssh5.vast.ai', port: 12345 }, 0.5],
      [{ team: 'a' }, 'stopped', { host: 'ssh5.vast.ai', port: 12345 }, 0.5],
      [{ team: 'a' }, 'running', { host: 'h', port: 2 }, 0.7],
    ]);
    expect(listed()).toEqual(fromFile());
    store.insertSamples([sample('vast:1', 1, T + 130_000), sample('vast:1', 2, T + 125_000, 40_000), sample('manual:new-box', 1, T + 130_000)], T + 130_000);
    const one = store.getInstance('vast:1')!;
    // An older batch arriving late changes neither the source nor the memory figure (the sum over the GPUs).
    expect([one.metricSource, one.lastSampleAt, one.memTotalMiB]).toEqual(['agent', T + 130_000, 48_000]);
    expect(listed()).toEqual(fromFile());
    // Same health as before: only the sample bookkeeping changes, applied to the copy without a re-read.
    store.insertSamples([sample('vast:1', 3, T + 135_000, 30_000)], T + 135_000);
    expect(store.listInstances().find((r) => r.id === 'vast:1')).toMatchObject({ id: 'vast:1', lastSampleAt: T + 135_000, memTotalMiB: 60_000 });
    expect(listed()).toEqual(fromFile());
    store.recordHello('vast:2', { type: 'hello', v: 1 } as never, T + 140_000);
    store.upsertInventory('vast', [vast('1')], T + 180_000);
    expect(store.getInstance('vast:3')?.state).toBe('deleted');
    expect(listed()).toEqual(fromFile());
  });

  it('hands out frozen records, so no reader can change what the next one sees', () => {
    store.upsertInventory('vast', [vast('1')], T);
    const [r] = store.listInstances();
    expect(() => {
      (r as { name: string }).name = 'changed';
    }).toThrow(TypeError);
    expect(store.listInstances()[0]!.name).toBe('box-1');
  });

  it('forgets what a rolled-back transaction wrote', () => {
    store.upsertInventory('vast', [vast('1')], T);
    expect(store.listInstances()).toHaveLength(1);
    expect(() =>
      store.transaction(() => {
        store.upsertInventory('vast', [vast('1', { name: 'renamed' }), vast('2')], T + 60_000);
        expect(store.listInstances().map((r) => r.name)).toEqual(['renamed', 'box-2']);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.listInstances().map((r) => r.name)).toEqual(['box-1']);
    expect(listed()).toEqual(fromFile());
  });

  it('sees instances another connection registered (cost-optimizer token create beside a running serve)', () => {
    store.upsertInventory('vast', [vast('1')], T);
    expect(store.listInstances()).toHaveLength(1);
    const other = openStore(dbPath(dir.path));
    other.createToken('manual:gpu-box', T + 1000);
    other.close();
    expect(store.listInstances().map((r) => r.id)).toEqual(['manual:gpu-box', 'vast:1']);
  });
});
