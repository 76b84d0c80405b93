// PostgreSQL's day partitions of samples on a real throwaway cluster: made ahead, filled from the default partition,
// folded whole by retention and dropped, and a pass cut short by a restart folding no row twice.
import { beforeEach, describe, expect, it } from 'vitest';
import { gpus, OK } from '../../../test/helpers/gpu-stats';
import { storeBackends, useTempStore } from '../../../test/helpers/temp-store';
import { DAY_MS, parsePartitionName, partitionName, SamplePartitions } from './sample-partitions';
import { encodeGpus } from './gpu-codec';
import { migrate } from './migrate';
import { MIGRATIONS } from './migrations';
import { PgDatabase } from './sql/pg-database';
import { openStore } from './store';
import { prepareSample } from './summarize';
import type { SampleInput } from './types';

const H = 3_600_000;
// 2025-06-15T00:00:00Z: a UTC midnight, so each test's days are easy to state.
const DAY0 = Date.UTC(2025, 5, 15);

describe('partition names', () => {
  it('names a UTC day and reads the name back', () => {
    expect(partitionName(DAY0 + 23 * H)).toBe('samples_p20250615');
    expect(parsePartitionName('samples_p20250615')).toEqual({ name: 'samples_p20250615', from: DAY0, to: DAY0 + DAY_MS });
  });

  it('reads no day from the default partition or a malformed name', () => {
    for (const n of ['samples_pdefault', 'samples_p20251332', 'samples_p2025061', 'samples', 'samples_p20250615; DROP TABLE x']) {
      expect(parsePartitionName(n)).toBeNull();
    }
  });
});

/** `count` agent samples 10 s apart on `id`, the first ending at `from` + 10 s. */
function samples(id: string, from: number, count: number, firstSeq = 1): SampleInput[] {
  return Array.from({ length: count }, (_, i) => {
    const t1 = from + (i + 1) * 10_000;
    return { instanceId: id, source: 'agent', t0: t1 - 10_000, t1, gpus: gpus(2, 40), procs: 1, health: OK, run: { runId: 'run-aaaaaaaa', seq: firstSeq + i } };
  });
}

const pgOnly = storeBackends().includes('postgres') ? describe : describe.skip;

pgOnly('sample partitions (postgres; left out only where storeBackends says why)', () => {
  const t = useTempStore('postgres', { retentionRawHours: 48 });
  let parts: SamplePartitions;
  const count = (table: string) => t.store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  // A statement prepared for one day's table stays on the connection for good unless let go: one a day, every day.
  const preparedFor = (table: string) =>
    t.store.db.prepare("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%' || ? || '%'").pluck().get(table) as number;
  beforeEach(() => {
    parts = new SamplePartitions(t.store.db);
  });

  it('upgrades a schema-9 database: its samples move into day partitions and read back the same', () => {
    t.store.close();
    const old = new PgDatabase(t.location);
    old.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    migrate(
      old,
      DAY0,
      MIGRATIONS.filter((m) => m.version <= 9),
    );
    old
      .prepare(
        "INSERT INTO instances (id, provider, provider_id, name, state, raw_state, first_seen) VALUES ('vast:1', 'vast', '1', 'b', 'running', 'running', ?)",
      )
      .run(DAY0);
    const blob = encodeGpus(prepareSample('agent', gpus(2, 40), OK).gpus);
    for (const [t1, seq] of [
      [DAY0 + H, 1],
      [DAY0 + DAY_MS + H, 2],
    ] as const) {
      old
        .prepare('INSERT INTO samples (inst, t1, run, seq, dur, flags, cnt, procs, gpus, added) VALUES (1, ?, 0, ?, 10000, 0, 10, 1, ?, 5)')
        .run(t1, seq, blob);
    }
    old.close();
    const s = t.use(openStore(t.location));
    expect(s.recentSamples('vast:1', 0).map((x) => [x.t1, x.utilMax])).toEqual([
      [DAY0 + H, 43],
      [DAY0 + DAY_MS + H, 43],
    ]);
    expect(count('samples_p20250615') + count('samples_p20250616')).toBe(2);
    expect(count('samples_pdefault')).toBe(0);
  });

  it('has today and the next seven days ready when a store opens', () => {
    const names = parts.list().map((p) => p.name);
    for (let d = 0; d <= 7; d++) expect(names).toContain(partitionName(Date.now() + d * DAY_MS));
  });

  it('keeps rows of a day without a partition in the default one, and moves them when the day is made', () => {
    const rs = t.store.insertSamples(samples('vast:1', DAY0 + 10 * H, 30), DAY0 + 11 * H);
    expect(rs.every((r) => r.status === 'inserted')).toBe(true);
    expect(count('samples_pdefault')).toBe(30);
    const made = t.store.db.transaction(() => parts.ensure(DAY0 + 11 * H, DAY0 - 2 * DAY_MS))();
    expect(made).toContain('samples_p20250615');
    expect(preparedFor('samples_p20250615')).toBe(0); // before count() below prepares its own
    expect(count('samples_pdefault')).toBe(0);
    expect(count('samples_p20250615')).toBe(30);
    expect(t.store.sampleCount('vast:1')).toBe(30);
    // A repeat is still a duplicate once the row lives in its day's table.
    expect(t.store.insertSamples(samples('vast:1', DAY0 + 10 * H, 1), DAY0 + 11 * H)[0]!.status).toBe('duplicate');
  });

  it('folds a day wholly past the raw window into rollups and drops it, keeping the next day raw', () => {
    t.store.db.transaction(() => parts.ensure(DAY0, DAY0))();
    t.store.insertSamples(samples('vast:1', DAY0 + 23 * H, 30), DAY0 + 24 * H);
    t.store.insertSamples(samples('vast:1', DAY0 + DAY_MS, 30, 31), DAY0 + DAY_MS + H);
    // One millisecond short of the day's end plus 48 hours and the hour's margin for replicas' clocks: it stays whole.
    expect(t.store.runRetention(DAY0 + DAY_MS + 49 * H - 1).rolledUp).toBe(0);
    expect(parts.list().map((p) => p.name)).toContain('samples_p20250615');
    const p = t.store.runRetention(DAY0 + DAY_MS + 49 * H);
    expect(p).toMatchObject({ rolledUp: 30, droppedPartitions: 1 });
    expect(parts.list().map((x) => x.name)).not.toContain('samples_p20250615');
    expect(preparedFor('samples_p20250615')).toBe(0);
    expect(t.store.sampleCount('vast:1')).toBe(30);
    const rollups = t.store.rollups('vast:1', 0);
    expect(rollups.reduce((n, r) => n + r.samples, 0)).toBe(30);
    expect(rollups.every((r) => r.bucket < DAY0 + DAY_MS)).toBe(true);
  });

  it('leaves a folded day whose drop is held up by a reader for the next pass, folding nothing twice', () => {
    t.store.db.transaction(() => parts.ensure(DAY0, DAY0))();
    t.store.insertSamples(samples('vast:1', DAY0 + H, 30), DAY0 + 2 * H);
    const reader = new PgDatabase(t.location);
    try {
      // A long report (or a pg_dump) reading the day keeps it from being dropped; retention must not wait for it.
      reader.exec('BEGIN');
      expect(reader.prepare('SELECT count(*) FROM samples_p20250615').pluck().get()).toBe(30);
      const now = DAY0 + DAY_MS + 50 * H;
      expect(t.store.runRetention(now)).toMatchObject({ rolledUp: 30, droppedPartitions: 0, done: true });
      expect(parts.list().map((p) => p.name)).toContain('samples_p20250615');
      reader.exec('COMMIT');
      expect(t.store.runRetention(now)).toMatchObject({ rolledUp: 0, droppedPartitions: 1 });
      expect(parts.list().map((p) => p.name)).not.toContain('samples_p20250615');
      expect(t.store.rollups('vast:1', 0).reduce((n, r) => n + r.samples, 0)).toBe(30);
    } finally {
      reader.close();
    }
  });

  it('opens and stores while a reader holds up the making of new days, and makes them once it is gone', () => {
    const reader = new PgDatabase(t.location);
    const later = Date.now() + 30 * DAY_MS;
    try {
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM samples').pluck().get();
      t.store.close();
      // A store opened with a clock a month ahead needs new days; attaching them waits on the reader, then gives up.
      const s = t.use(openStore(t.location, { now: later }));
      expect(new SamplePartitions(s.db).list().map((p) => p.name)).not.toContain(partitionName(later));
      expect(s.insertSamples(samples('vast:1', later - 60_000, 1), later)[0]!.status).toBe('inserted');
      reader.exec('COMMIT');
      s.runRetention(later);
      expect(new SamplePartitions(s.db).list().map((p) => p.name)).toContain(partitionName(later));
      expect(count(partitionName(later))).toBe(1);
    } finally {
      reader.close();
    }
  });

  it('continues a pass cut short by a restart from where it stopped, folding no row twice', () => {
    t.store.db.transaction(() => parts.ensure(DAY0, DAY0))();
    t.store.insertSamples([...samples('vast:1', DAY0 + H, 40), ...samples('vast:2', DAY0 + H, 20)], DAY0 + 2 * H);
    const now = DAY0 + DAY_MS + 49 * H;
    let rolled = 0;
    for (let i = 0; i < 3; i++) rolled += t.store.retentionStep(now, 7).rolledUp;
    expect(rolled).toBe(21);
    expect(count('retention_cursor')).toBe(1);
    t.store.close();
    t.use(openStore(t.location, { retentionRawHours: 48 }));
    rolled += t.store.runRetention(now, 7).rolledUp;
    expect(rolled).toBe(60);
    const total = (id: string) => t.store.rollups(id, 0).reduce((n, r) => n + r.samples, 0);
    expect([total('vast:1'), total('vast:2')]).toEqual([40, 20]);
    expect(t.store.rollups('vast:1', 0)[0]!.bucket).toBe(DAY0 + H);
    expect(count('retention_cursor')).toBe(0);
    expect(new SamplePartitions(t.store.db).list().map((x) => x.name)).not.toContain('samples_p20250615');
  });
});
