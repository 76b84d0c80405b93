// The in-memory copy of the instances table: what list() returns must always equal a fresh read of the file, after
// inventories, samples, hellos, rollbacks and writes by another connection.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { batch, gpus } from '../../../test/helpers/gpu-stats';
import { memoryInstance } from '../../../test/fakes/memory-provider';
import { useTempStore } from '../../../test/helpers/temp-store';
import type { ProviderInstance } from '../domain/instance';
import { INSTANCE_COLUMNS, INSTANCE_FROM, type InstanceRow, toRecord } from './instance-row';
import { dbPath } from './open-db';
import { openStore } from './store';
import type { SampleInput } from './types';

const T = 1_750_000_000_000;
const t = useTempStore();

/** An inventory entry with some of everything the copy must compare (labels, ssh, prices, provider figure). */
const vast = (id: string, over: Partial<ProviderInstance> = {}): ProviderInstance =>
  memoryInstance(id, { numGpus: 2, createdAt: T - 86_400_000, ssh: { host: 'ssh5.vast.ai', port: 12345 }, labels: { team: 'a' }, providerUtil: 10, ...over });

function sample(instanceId: string, seq: number, t1: number, memTotal = 24_000): SampleInput {
  const b = batch('run-1', seq, t1, gpus(2, 40));
  return {
    instanceId,
    source: 'agent',
    t0: b.t0,
    t1: b.t1,
    gpus: b.gpus.map((g) => ({ ...g, memTotal })),
    procs: 1,
    health: b.health,
    run: { runId: 'run-1', seq },
  };
}

/** What a read-only connection reads from the file (writing nothing, so the copy is not made to reload). */
function fromFile(): unknown {
  const other = new Database(dbPath(t.dir), { readonly: true });
  try {
    const rows = other.prepare(`SELECT ${INSTANCE_COLUMNS} FROM ${INSTANCE_FROM} ORDER BY instances.id`).raw().all() as InstanceRow[];
    return JSON.parse(JSON.stringify(rows.map(toRecord)));
  } finally {
    other.close();
  }
}
const listed = () => JSON.parse(JSON.stringify(t.store.listInstances())) as unknown;

describe('instances cache', () => {
  it('matches the file after inventories, unchanged re-listings, samples, hellos and a missing instance', () => {
    t.store.upsertInventory('vast', [vast('1'), vast('2'), vast('3')], T);
    expect(listed()).toEqual(fromFile());
    // Unchanged: only lastInventoryAt moves, in memory and on disk.
    t.store.upsertInventory('vast', [vast('1'), vast('2'), vast('3')], T + 60_000);
    expect(t.store.getInstance('vast:1')?.lastInventoryAt).toBe(T + 60_000);
    expect(listed()).toEqual(fromFile());
    // Changed fields of every kind are written.
    t.store.upsertInventory(
      'vast',
      [
        vast('1', { labels: { team: 'b' } }),
        vast('2', { state: 'stopped', rawState: 'exited' }),
        vast('3', { ssh: { host: 'h', port: 2 }, pricePerHour: 0.7 }),
      ],
      T + 120_000,
    );
    const after = t.store.listInstances();
    expect(after.map((r) => [r.labels, r.state, r.ssh, r.pricePerHour])).toEqual([
      [{ team: 'b' }, 'running', { host: 'ssh5.vast.ai', port: 12345 }, 0.5],
      [{ team: 'a' }, 'stopped', { host: 'ssh5.vast.ai', port: 12345 }, 0.5],
      [{ team: 'a' }, 'running', { host: 'h', port: 2 }, 0.7],
    ]);
    expect(listed()).toEqual(fromFile());
    t.store.insertSamples([sample('vast:1', 1, T + 130_000), sample('vast:1', 2, T + 125_000, 40_000), sample('manual:new-box', 1, T + 130_000)], T + 130_000);
    const one = t.store.getInstance('vast:1')!;
    // An older batch arriving late changes neither the source nor the memory figure (the sum over the GPUs).
    expect([one.metricSource, one.lastSampleAt, one.memTotalMiB]).toEqual(['agent', T + 130_000, 48_000]);
    expect(listed()).toEqual(fromFile());
    // Same health as before: only the sample bookkeeping changes, applied to the copy without a re-read.
    t.store.insertSamples([sample('vast:1', 3, T + 135_000, 30_000)], T + 135_000);
    expect(t.store.listInstances().find((r) => r.id === 'vast:1')).toMatchObject({ id: 'vast:1', lastSampleAt: T + 135_000, memTotalMiB: 60_000 });
    expect(listed()).toEqual(fromFile());
    t.store.recordHello('vast:2', { type: 'hello', v: 1 } as never, T + 140_000);
    t.store.upsertInventory('vast', [vast('1')], T + 180_000);
    expect(t.store.getInstance('vast:3')?.state).toBe('deleted');
    expect(listed()).toEqual(fromFile());
  });

  it('an unchanged listing copies no record: each shows the new listing time, a missing one does not', () => {
    t.store.upsertInventory('vast', [vast('1'), vast('2')], T);
    const before = t.store.listInstances();
    const snapshot = { ...before[0]! };
    t.store.upsertInventory('vast', [vast('1')], T + 60_000);
    const after = t.store.listInstances();
    // The very same frozen object, now showing the new listing's time (listed-record.ts); a spread copy kept its value.
    expect(after[0]).toBe(before[0]);
    expect(Object.isFrozen(after[0])).toBe(true);
    expect(after[0]!.lastInventoryAt).toBe(T + 60_000);
    expect(snapshot.lastInventoryAt).toBe(T);
    // vast:2 was left out: deleted, at its own time, never the listing's.
    expect(after[1]).toMatchObject({ id: 'vast:2', state: 'deleted' });
    expect(before[1]!.lastInventoryAt).toBe(T);
    expect(listed()).toEqual(fromFile());
    expect(JSON.parse(JSON.stringify(after[0]))).toMatchObject({ lastInventoryAt: T + 60_000 });
  });

  it('a listing rolled back never shows: a record handed out before it keeps its time, the copy reads the file', () => {
    t.store.upsertInventory('vast', [vast('1')], T);
    const [held] = t.store.listInstances();
    expect(() =>
      t.store.transaction(() => {
        t.store.upsertInventory('vast', [vast('1')], T + 60_000);
        expect(held!.lastInventoryAt).toBe(T + 60_000); // inside the transaction it follows the listing
        throw new Error('the commit fails');
      }),
    ).toThrow('the commit fails');
    expect(held!.lastInventoryAt).toBe(T);
    expect(t.store.listInstances()[0]!.lastInventoryAt).toBe(T);
    expect(listed()).toEqual(fromFile());
    // The next listing that commits moves the records read since.
    t.store.upsertInventory('vast', [vast('1')], T + 120_000);
    expect(t.store.listInstances()[0]!.lastInventoryAt).toBe(T + 120_000);
  });

  it('hands out frozen records, so no reader can change what the next one sees', () => {
    t.store.upsertInventory('vast', [vast('1')], T);
    const [r] = t.store.listInstances();
    expect(() => {
      (r as { name: string }).name = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      (r!.labels as Record<string, string>).team = 'changed';
    }).toThrow(TypeError);
    expect(t.store.listInstances()[0]!.labels).toEqual({ team: 'a' });
    expect(t.store.listInstances()[0]!.name).toBe('box-1');
  });

  it('forgets what a rolled-back transaction wrote', () => {
    t.store.upsertInventory('vast', [vast('1')], T);
    expect(t.store.listInstances()).toHaveLength(1);
    expect(() =>
      t.store.transaction(() => {
        t.store.upsertInventory('vast', [vast('1', { name: 'renamed' }), vast('2')], T + 60_000);
        expect(t.store.listInstances().map((r) => r.name)).toEqual(['renamed', 'box-2']);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(t.store.listInstances().map((r) => r.name)).toEqual(['box-1']);
    expect(listed()).toEqual(fromFile());
  });

  it('sees instances another connection registered (cost-optimizer token create beside a running serve)', () => {
    t.store.upsertInventory('vast', [vast('1')], T);
    expect(t.store.listInstances()).toHaveLength(1);
    const other = openStore(dbPath(t.dir));
    other.createToken('manual:gpu-box', T + 1000);
    other.close();
    expect(t.store.listInstances().map((r) => r.id)).toEqual(['manual:gpu-box', 'vast:1']);
  });
});
