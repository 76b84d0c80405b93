// Retention: raw samples older than RETENTION_RAW_HOURS are folded into 5-minute rollups and deleted; rollups older
// than RETENTION_ROLLUP_DAYS are deleted. Work is done in small steps (a bounded number of rows each, one instance
// after another) so a step never holds the event loop or the write lock long enough to stall ingest.
// On PostgreSQL samples live in day partitions (sample-partitions.ts): a day wholly past the raw window is folded in
// key order, its place kept in retention_cursor, and then dropped; only rows in the default partition are deleted.
import { errorMessage, type Logger, silentLogger } from '../log';
import { type DayPartition, type SamplePartitions } from './sample-partitions';
import type { SqlDatabase, SqlStatement } from './sql/sql-database';
import { decodeGpus } from './gpu-codec';
import type { InstancesRepo } from './instances-repo';
import { sourceFromCode, summarizeStored } from './summarize';
import type { RollupRecord, SampleSource } from './types';

export const ROLLUP_BUCKET_MS = 5 * 60_000;
/** How long after the raw window passes a day's end its partition is folded and dropped (replicas' clock skew). */
const DAY_FOLD_MARGIN_MS = 3_600_000;
const SOURCE_BITS: Record<SampleSource, number> = { agent: 1, ssh: 2, provider: 4 };

export interface RetentionProgress {
  rolledUp: number;
  /** Day partitions dropped (PostgreSQL). */
  droppedPartitions: number;
  deletedRollups: number;
  deletedRuns: number;
  /** True when the step reached the last instance: the pass is complete and the next step starts a new one. */
  done: boolean;
}

interface Agg {
  sources: number;
  n: number;
  unknownN: number;
  utilMin: number | null;
  utilMax: number | null;
  utilSum: number;
  utilN: number;
  memMax: number | null;
  coveredMs: number;
}

const minN = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxN = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

interface RollupRow {
  bucket: number;
  sources: number;
  n: number;
  unknown_n: number;
  util_min: number | null;
  util_max: number | null;
  util_sum: number;
  util_n: number;
  mem_used_max: number | null;
  covered_ms: number;
}

/**
 * The smaller ('<') or larger ('>') of the stored and the incoming value, either of which may be NULL, in SQL that
 * SQLite and PostgreSQL both run (their two-argument min/max differ: SQLite's is scalar, PostgreSQL's LEAST skips NULL).
 */
function nullSafe(col: string, op: '<' | '>'): string {
  return `CASE WHEN rollups.${col} IS NULL THEN excluded.${col} WHEN excluded.${col} IS NULL THEN rollups.${col}
    WHEN excluded.${col} ${op} rollups.${col} THEN excluded.${col} ELSE rollups.${col} END`;
}

type RawRow = { inst: number; t1: number; run: number; seq: number; dur: number; flags: number; cnt: number; procs: number | null; gpus: Buffer };

export class Retention {
  private cursor = 0;
  private readonly stmt;
  /** Where rows are deleted one by one: the whole table on SQLite, the default partition on PostgreSQL. */
  private readonly rowTable: string;
  /** Each day partition's paged read, by table: prepared while the day is folded, let go when it is dropped. */
  private readonly partitionRows = new Map<string, { sql: string; read: SqlStatement }>();
  /** Days folded whose drop failed in this pass (a lock held elsewhere): left for the next pass. */
  private readonly undroppable = new Set<string>();
  private inPass = false;

  constructor(
    private readonly db: SqlDatabase,
    private readonly instances: InstancesRepo,
    private readonly rawMs: number,
    private readonly rollupMs: number,
    /** PostgreSQL's day partitions; null on SQLite. */
    private readonly partitions: SamplePartitions | null = null,
    private readonly logger: Logger = silentLogger,
  ) {
    this.rowTable = partitions === null ? 'samples' : 'samples_pdefault';
    this.stmt = {
      old: db.prepare(`SELECT inst, t1, run, seq, dur, flags, cnt, procs, gpus FROM ${this.rowTable} WHERE inst = ? AND t1 < ? ORDER BY t1 LIMIT ?`),
      del: db.prepare(`DELETE FROM ${this.rowTable} WHERE inst = ? AND t1 = ? AND run = ? AND seq = ?`),
      upsert: db.prepare(`INSERT INTO rollups (inst, bucket, sources, n, unknown_n, util_min, util_max, util_sum, util_n, mem_used_max, covered_ms)
        VALUES (@inst, @bucket, @sources, @n, @unknownN, @utilMin, @utilMax, @utilSum, @utilN, @memMax, @coveredMs)
        ON CONFLICT (inst, bucket) DO UPDATE SET
          sources = rollups.sources | excluded.sources,
          n = rollups.n + excluded.n,
          unknown_n = rollups.unknown_n + excluded.unknown_n,
          util_min = ${nullSafe('util_min', '<')},
          util_max = ${nullSafe('util_max', '>')},
          util_sum = rollups.util_sum + excluded.util_sum,
          util_n = rollups.util_n + excluded.util_n,
          mem_used_max = ${nullSafe('mem_used_max', '>')},
          covered_ms = rollups.covered_ms + excluded.covered_ms`),
      delRollups: db.prepare(`DELETE FROM rollups WHERE inst = ? AND bucket IN
        (SELECT bucket FROM rollups WHERE inst = ? AND bucket < ? ORDER BY bucket LIMIT ?)`),
      delRuns: db.prepare('DELETE FROM agent_runs WHERE key IN (SELECT key FROM agent_runs WHERE updated_at < ? LIMIT ?)'),
      rollups: db.prepare('SELECT * FROM rollups WHERE inst = ? AND bucket >= ? ORDER BY bucket'),
      cursorOf: partitions === null ? null : db.prepare('SELECT inst, t1, run, seq FROM retention_cursor WHERE part = ?'),
      setCursor:
        partitions === null
          ? null
          : db.prepare(`INSERT INTO retention_cursor (part, inst, t1, run, seq) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (part) DO UPDATE SET inst = excluded.inst, t1 = excluded.t1, run = excluded.run, seq = excluded.seq`),
      dropCursor: partitions === null ? null : db.prepare('DELETE FROM retention_cursor WHERE part = ?'),
    };
  }

  /** One bounded step; call inside a transaction. Handles at most about `maxRows` rows. */
  step(now: number, maxRows: number): RetentionProgress {
    const rawCutoff = now - this.rawMs;
    const rollupCutoff = now - this.rollupMs;
    const progress: RetentionProgress = { rolledUp: 0, droppedPartitions: 0, deletedRollups: 0, deletedRuns: 0, done: false };
    let budget = Math.max(1, maxRows);
    this.inPass = true;
    if (this.partitions !== null) {
      // Whole days first. A day is folded an hour after its end leaves the raw window: a replica whose clock runs a
      // little behind the leader's may still store a sample in it until then.
      for (const p of this.partitions.list()) {
        if (p.to > rawCutoff - DAY_FOLD_MARGIN_MS || budget <= 0) break;
        if (this.undroppable.has(p.name)) continue;
        const r = this.foldPartition(p, budget);
        progress.rolledUp += r.rows;
        budget -= Math.max(1, r.rows);
        if (r.dropped) progress.droppedPartitions++;
        else if (!this.undroppable.has(p.name)) return progress;
      }
      if (budget <= 0) return progress;
    }
    while (budget > 0) {
      const [inst] = this.instances.keysAfter(this.cursor, 1);
      if (inst === undefined) {
        // End of the pass: runs not heard from within the raw retention can no longer dedupe anything we keep.
        progress.deletedRuns = this.stmt.delRuns.run(rawCutoff, Math.max(budget, 100)).changes;
        this.cursor = 0;
        this.undroppable.clear();
        this.inPass = false;
        progress.done = true;
        return progress;
      }
      const folded = this.foldOld(inst, rawCutoff, budget);
      progress.rolledUp += folded;
      budget -= folded;
      const dropped = this.stmt.delRollups.run(inst, inst, rollupCutoff, Math.max(1, budget)).changes;
      progress.deletedRollups += dropped;
      budget -= dropped;
      // Stay on this instance while it still has work; its next rows come first in the next step.
      if (budget > 0) this.cursor = inst;
    }
    return progress;
  }

  /** True between passes: the next step starts a new pass (the store then makes the coming days' partitions). */
  get atPassStart(): boolean {
    return !this.inPass;
  }

  /** Runs steps until a full pass is done (tests, and the `run-once` command). */
  runPass(now: number, maxRowsPerStep = 5_000, transaction: <T>(fn: () => T) => T = (fn) => fn()): RetentionProgress {
    const total: RetentionProgress = { rolledUp: 0, droppedPartitions: 0, deletedRollups: 0, deletedRuns: 0, done: false };
    for (;;) {
      const p = transaction(() => this.step(now, maxRowsPerStep));
      total.rolledUp += p.rolledUp;
      total.droppedPartitions += p.droppedPartitions;
      total.deletedRollups += p.deletedRollups;
      total.deletedRuns += p.deletedRuns;
      if (p.done) return { ...total, done: true };
    }
  }

  rollups(instanceId: string, sinceMs: number): RollupRecord[] {
    const inst = this.instances.keyOf(instanceId);
    if (inst === null) return [];
    return (this.stmt.rollups.all(inst, sinceMs) as RollupRow[]).map((r) => ({
      bucket: r.bucket,
      sources: (Object.keys(SOURCE_BITS) as SampleSource[]).filter((s) => (r.sources & SOURCE_BITS[s]) !== 0),
      samples: r.n,
      unknownSamples: r.unknown_n,
      utilMin: r.util_min,
      utilMean: r.util_n === 0 ? null : Math.round((r.util_sum / r.util_n) * 100) / 100,
      utilMax: r.util_max,
      memUsedMaxMiB: r.mem_used_max,
      coveredMs: r.covered_ms,
    }));
  }

  private foldOld(inst: number, cutoff: number, limit: number): number {
    const rows = this.stmt.old.all(inst, cutoff, limit) as RawRow[];
    if (rows.length === 0) return 0;
    for (const r of rows) this.stmt.del.run(inst, r.t1, r.run, r.seq);
    this.upsertBuckets(inst, rows);
    return rows.length;
  }

  /**
   * Folds the next rows of a day partition past the raw window, in key order from where the last step stopped; when
   * none are left, drops the day. The cursor moves in the same transaction as the rollups, so no row counts twice.
   */
  private foldPartition(p: DayPartition, limit: number): { rows: number; dropped: boolean } {
    let day = this.partitionRows.get(p.name);
    if (day === undefined) {
      const sql = `SELECT inst, t1, run, seq, dur, flags, cnt, procs, gpus FROM ${p.name}
        WHERE (inst, t1, run, seq) > (?, ?, ?, ?) ORDER BY inst, t1, run, seq LIMIT ?`;
      day = { sql, read: this.db.prepare(sql) };
      this.partitionRows.set(p.name, day);
    }
    const read = day.read;
    const at = this.stmt.cursorOf!.get(p.name) as { inst: number; t1: number; run: number; seq: number } | undefined;
    const rows = read.all(at?.inst ?? -1, at?.t1 ?? 0, at?.run ?? 0, at?.seq ?? 0, limit) as RawRow[];
    let from = 0;
    for (let i = 1; i <= rows.length; i++) {
      if (i < rows.length && rows[i]!.inst === rows[from]!.inst) continue;
      this.upsertBuckets(rows[from]!.inst, rows.slice(from, i));
      from = i;
    }
    const last = rows.at(-1);
    if (last !== undefined) this.stmt.setCursor!.run(p.name, last.inst, last.t1, last.run, last.seq);
    if (rows.length >= limit) return { rows: rows.length, dropped: false };
    // All folded. The drop waits at most a moment for the table (a long reader, a pg_dump): failing, it leaves the
    // folded rows and the cursor in place and is tried again next pass, while the rest of this pass goes on.
    try {
      this.db.transaction(() => {
        this.stmt.dropCursor!.run(p.name);
        this.partitions!.drop(p);
      })();
    } catch (err) {
      this.undroppable.add(p.name);
      this.logger.warn(`retention: ${p.name} is folded but could not be dropped now (${errorMessage(err)}); trying again next pass`);
      return { rows: rows.length, dropped: false };
    }
    this.partitionRows.delete(p.name);
    this.db.forget?.(day.sql);
    return { rows: rows.length, dropped: true };
  }

  /** Adds one instance's raw rows to its 5-minute rollups. */
  private upsertBuckets(inst: number, rows: readonly RawRow[]): void {
    const buckets = new Map<number, Agg>();
    for (const r of rows) {
      const s = summarizeStored(r.t1, r.dur, r.flags, r.cnt, r.procs, decodeGpus(r.gpus), null);
      const bucket = Math.floor(r.t1 / ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS;
      let a = buckets.get(bucket);
      if (a === undefined) {
        a = { sources: 0, n: 0, unknownN: 0, utilMin: null, utilMax: null, utilSum: 0, utilN: 0, memMax: null, coveredMs: 0 };
        buckets.set(bucket, a);
      }
      a.sources |= SOURCE_BITS[sourceFromCode(r.flags)];
      a.n++;
      if (s.unknown) a.unknownN++;
      a.utilMin = minN(a.utilMin, s.utilMax);
      a.utilMax = maxN(a.utilMax, s.utilMax);
      if (s.utilMean !== null) {
        a.utilSum += s.utilMean;
        a.utilN++;
      }
      a.memMax = maxN(a.memMax, s.memUsedMiB);
      a.coveredMs += r.dur;
    }
    for (const [bucket, a] of buckets) this.stmt.upsert.run({ inst, bucket, ...a });
  }
}
