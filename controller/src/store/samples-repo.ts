// The samples table: one compact row per report interval per instance; agent replays are no-ops through agent_runs.
import { BatchedStatement } from './sql/batched-statement';
import { dialectOf, type SqlDatabase, type SqlParam, type SqlStatement } from './sql/sql-database';
import type { SampleSummary } from '../domain/sample';
import { decodeGpus, encodeGpus } from './gpu-codec';
import { encodeHostSection, type HostSection, splitHostSection } from './host-codec';
import { parseInstanceId } from './instance-id';
import type { InstancesRepo } from './instances-repo';
import { FLAG_HEALTH_ERROR, type PreparedSample, prepareSample, sourceCode, summarizeStored } from './summarize';
import type { InsertResult, SampleDetail, SampleInput } from './types';

/** A sample may end at most this far after the controller's clock (network delay, rounding); later is a broken clock or a forged frame. */
export const FUTURE_TOLERANCE_MS = 5_000;
const MAX_INTERVAL_MS = 24 * 3_600_000;

/** An agent run as a batch meets it: its key, the highest sequence number so far, and whether that moved. */
interface RunMark {
  key: number;
  maxSeq: number;
  dirty: boolean;
}

const runKeyOf = (inst: number, runId: string) => `${inst}\u0000${runId}`;

export interface SampleRow {
  t1: number;
  dur: number;
  flags: number;
  cnt: number;
  procs: number | null;
  gpus: Buffer;
}

export class SamplesRepo {
  private readonly stmt;
  /** Newest sample per instance key: /api/status asks for all 10,000 at once, every few seconds. */
  private readonly newest = new Map<number, SampleSummary | null>();

  /**
   * `added` is left to the column's default: 0 on SQLite (nobody reads it), the database's clock on PostgreSQL
   * (migration 10), so the leader's read-back never depends on a replica's clock.
   */
  private readonly insertRows: BatchedStatement;
  private readonly insertOne: SqlStatement | null;
  private readonly updateRuns: BatchedStatement;

  constructor(
    db: SqlDatabase,
    private readonly instances: InstancesRepo,
    /** Samples older than this are not stored (they would be rolled up at once); see RETENTION_RAW_HOURS. */
    private readonly rawRetentionMs: number,
    /** False when other processes store samples too (replicas on PostgreSQL): the newest sample is then always read. */
    private readonly cacheNewest = true,
  ) {
    this.insertRows = new BatchedStatement(
      db,
      9,
      (v) => `INSERT INTO samples (inst, t1, run, seq, dur, flags, cnt, procs, gpus) VALUES ${v}
        ON CONFLICT DO NOTHING RETURNING inst, t1, run, seq`,
    );
    this.insertOne =
      dialectOf(db) === 'sqlite'
        ? db.prepare('INSERT INTO samples (inst, t1, run, seq, dur, flags, cnt, procs, gpus) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
        : null;
    this.updateRuns = new BatchedStatement(
      db,
      3,
      (v) => `UPDATE agent_runs SET max_seq = CAST(v.column2 AS INTEGER), updated_at = CAST(v.column3 AS INTEGER)
        FROM (VALUES ${v}) AS v WHERE agent_runs.key = CAST(v.column1 AS INTEGER)`,
    );
    this.stmt = {
      runsOf: db.prepare(`SELECT key, inst, run_id AS runId, max_seq AS maxSeq FROM agent_runs
        WHERE inst IN (SELECT CAST(value AS INTEGER) FROM json_each(?))`),
      insertRun: db.prepare('INSERT INTO agent_runs (inst, run_id, max_seq, updated_at) VALUES (?, ?, 0, ?)'),
      maxSeq: db.prepare('SELECT max_seq FROM agent_runs WHERE inst = ? AND run_id = ?').pluck(),
      since: db.prepare('SELECT t1, dur, flags, cnt, procs, gpus FROM samples WHERE inst = ? AND t1 >= ? ORDER BY t1'),
      last: db.prepare('SELECT t1, dur, flags, cnt, procs, gpus FROM samples WHERE inst = ? ORDER BY t1 DESC LIMIT 1'),
      lastOf: db.prepare('SELECT t1, dur, flags, cnt, procs, gpus FROM samples WHERE inst = ? AND (flags & 3) = ? ORDER BY t1 DESC LIMIT 1'),
      lastN: db.prepare('SELECT t1, dur, flags, cnt, procs, gpus FROM samples WHERE inst = ? AND t1 >= ? ORDER BY t1 DESC LIMIT ?'),
      count: db.prepare('SELECT count(*) FROM samples WHERE inst = ?').pluck(),
      // Source code 0 is the agent (summarize.ts); walks the primary key backwards, past the few ssh/provider rows.
      lastAgentEnd: db.prepare('SELECT t1 FROM samples WHERE inst = ? AND (flags & 3) = 0 ORDER BY t1 DESC LIMIT 1').pluck(),
    };
  }

  /**
   * Stores a batch of inputs, in order, as if one by one; call inside a transaction. Never throws for bad input: each
   * result says what happened. The rows go in multi-row statements (a few round trips for a whole flush of many
   * agents' batches on PostgreSQL, not five per sample); runs and marks are read once for the batch.
   */
  insertMany(inputs: readonly SampleInput[], now: number): InsertResult[] {
    const results: InsertResult[] = new Array<InsertResult>(inputs.length);
    const rejected = (reason: string): InsertResult => ({ status: 'rejected', reason, maxSeq: null });
    const insts: number[] = new Array<number>(inputs.length).fill(-1);
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i]!;
      if (!Number.isSafeInteger(input.t0) || !Number.isSafeInteger(input.t1) || input.t0 > input.t1) results[i] = rejected('bad interval');
      else if (input.t1 - input.t0 > MAX_INTERVAL_MS) results[i] = rejected('interval longer than a day');
      else if (input.t1 > now + FUTURE_TOLERANCE_MS) results[i] = rejected('interval ends in the future');
      else {
        // Only a malformed id is the input's fault; a database error fails the whole batch (the agents replay it).
        if (parseInstanceId(input.instanceId) === null) {
          results[i] = rejected('invalid instance id');
          continue;
        }
        insts[i] = this.instances.ensure(input.instanceId, now);
        if (input.run && (!Number.isSafeInteger(input.run.seq) || input.run.seq < 1)) results[i] = rejected('bad sequence number');
      }
    }
    const runs = this.runsFor(inputs, insts, results, now);

    // In order: each input meets the runs as the inputs before it left them (a replayed seq is a duplicate).
    const rows: SqlParam[][] = [];
    const pending: { i: number; key: string; p: PreparedSample; section: HostSection }[] = [];
    const inBatch = new Set<string>();
    for (let i = 0; i < inputs.length; i++) {
      if (results[i] !== undefined) continue;
      const input = inputs[i]!;
      const inst = insts[i]!;
      const run = input.run ? runs.get(runKeyOf(inst, input.run.runId))! : null;
      const seq = input.run?.seq ?? 0;
      if (run !== null && seq <= run.maxSeq) {
        results[i] = { status: 'duplicate', maxSeq: run.maxSeq };
        continue;
      }
      if (run !== null) {
        run.maxSeq = seq;
        run.dirty = true;
      }
      const maxSeq = run === null ? null : seq;
      if (input.t1 < now - this.rawRetentionMs) {
        results[i] = { status: 'expired', maxSeq };
        continue;
      }
      const key = `${inst}:${input.t1}:${run?.key ?? 0}:${seq}`;
      if (inBatch.has(key)) {
        results[i] = { status: 'duplicate', maxSeq };
        continue;
      }
      inBatch.add(key);
      const p = prepareSample(input.source, input.gpus, input.health);
      const section: HostSection = { host: input.host ?? null, inhibit: input.inhibit ?? null };
      const blob = section.host === null && section.inhibit === null ? encodeGpus(p.gpus) : Buffer.concat([encodeHostSection(section), encodeGpus(p.gpus)]);
      rows.push([inst, input.t1, run?.key ?? 0, seq, input.t1 - input.t0, p.flags, p.count, input.procs, blob]);
      pending.push({ i, key, p, section });
      // Marked inserted for now; a row the table already had is turned into a duplicate below.
      results[i] = { status: 'inserted', maxSeq };
    }

    const stored = this.writeRows(rows, pending);
    const dirtyRuns = [...runs.values()].filter((r) => r.dirty).map((r) => [r.key, r.maxSeq, now]);
    this.updateRuns.run(dirtyRuns);

    const fresh = pending.filter((x) => {
      if (stored.has(x.key)) return true;
      results[x.i] = { status: 'duplicate', maxSeq: results[x.i]!.maxSeq };
      return false;
    });
    const took = this.instances.afterSamples(
      fresh.map((x) => ({ key: insts[x.i]!, source: inputs[x.i]!.source, t1: inputs[x.i]!.t1, memTotal: x.p.memTotalMiB })),
    );
    this.instances.recordHealths(
      fresh.filter((x) => inputs[x.i]!.source === 'agent').map((x) => ({ key: insts[x.i]!, health: inputs[x.i]!.health })),
      now,
    );
    for (let f = 0; f < fresh.length; f++) {
      const { i, p, section } = fresh[f]!;
      const input = inputs[i]!;
      const inst = insts[i]!;
      const summary = withHostSection(summarizeStored(input.t1, input.t1 - input.t0, p.flags, p.count, input.procs, p.gpus, p.memTotalMiB), section);
      results[i] = { ...results[i]!, summary };
      if (!this.cacheNewest) continue;
      const cached = this.newest.get(inst);
      // Only a known newest can be replaced; an unknown one is read from the database on demand.
      // A worse source's sample while a better one reports (the provider's figure beside a live agent) is stored and seen
      // by the engine, but it is not what the instance's last sample shows.
      if (took[f] && (cached === null || (cached !== undefined && summary.t1 >= cached.t1))) this.newest.set(inst, summary);
    }
    return results;
  }

  /** Inserts the rows; returns the keys of those the table did not have yet. */
  private writeRows(rows: readonly SqlParam[][], pending: readonly { key: string }[]): Set<string> {
    // SQLite has no round trip to save and keeps the one prepared row at a time it always used; PostgreSQL, where
    // each statement waits for the server, takes the multi-row statement.
    if (this.insertOne !== null) {
      const stored = new Set<string>();
      for (let i = 0; i < rows.length; i++) if (this.insertOne.run(...rows[i]!).changes > 0) stored.add(pending[i]!.key);
      return stored;
    }
    const back = this.insertRows.all(rows) as { inst: number; t1: number; run: number; seq: number }[];
    return new Set(back.map((r) => `${r.inst}:${r.t1}:${r.run}:${r.seq}`));
  }

  /** The agent runs the inputs name, read in one statement; a run not yet known is registered (an agent's start). */
  private runsFor(inputs: readonly SampleInput[], insts: readonly number[], results: readonly (InsertResult | undefined)[], now: number): Map<string, RunMark> {
    const runs = new Map<string, RunMark>();
    const wanted = new Set<number>();
    for (let i = 0; i < inputs.length; i++) if (results[i] === undefined && inputs[i]!.run) wanted.add(insts[i]!);
    if (wanted.size === 0) return runs;
    for (const r of this.stmt.runsOf.all(JSON.stringify([...wanted])) as { key: number; inst: number; runId: string; maxSeq: number }[]) {
      runs.set(runKeyOf(r.inst, r.runId), { key: r.key, maxSeq: r.maxSeq, dirty: false });
    }
    for (let i = 0; i < inputs.length; i++) {
      const run = inputs[i]!.run;
      if (results[i] !== undefined || !run) continue;
      const k = runKeyOf(insts[i]!, run.runId);
      if (runs.has(k)) continue;
      const key = Number(this.stmt.insertRun.run(insts[i]!, run.runId, now).lastInsertRowid);
      runs.set(k, { key, maxSeq: 0, dirty: false });
    }
    return runs;
  }

  /** Highest committed sequence number of an agent run; 0 when none. */
  maxSeq(instanceId: string, runId: string): number {
    const inst = this.instances.keyOf(instanceId);
    if (inst === null) return 0;
    return (this.stmt.maxSeq.get(inst, runId) as number | undefined) ?? 0;
  }

  /** End of the newest raw agent sample of the instance (any run); null when none. Trusted time (ingest/trusted-time.ts). */
  lastAgentEnd(instanceId: string): number | null {
    const inst = this.instances.keyOf(instanceId);
    if (inst === null) return null;
    return (this.stmt.lastAgentEnd.get(inst) as number | undefined) ?? null;
  }

  recent(instanceId: string, sinceMs: number): SampleSummary[] {
    const inst = this.instances.keyOf(instanceId);
    if (inst === null) return [];
    const memTotal = this.instances.memTotal(inst);
    return (this.stmt.since.all(inst, sinceMs) as SampleRow[]).map((r) => storedSummary(r, memTotal));
  }

  last(instanceId: string): SampleSummary | null {
    const inst = this.instances.keyOf(instanceId);
    if (inst === null) return null;
    const cached = this.cacheNewest ? this.newest.get(inst) : undefined;
    if (cached !== undefined) return cached;
    // The newest sample of the instance's current source (a provider figure stored beside a live agent is not it).
    const source = this.instances.currentSource(inst);
    const row = ((source === 'agent' || source === 'ssh' || source === 'provider' ? this.stmt.lastOf.get(inst, sourceCode(source)) : undefined) ??
      this.stmt.last.get(inst)) as SampleRow | undefined;
    const s = row === undefined ? null : storedSummary(row, this.instances.memTotal(inst));
    if (this.cacheNewest) this.newest.set(inst, s);
    return s;
  }

  /** After a rollback the cached newest samples may not exist. */
  forgetCache(): void {
    this.newest.clear();
  }

  /** Newest first, with per-GPU detail; at most `limit` rows. */
  recentDetail(instanceId: string, sinceMs: number, limit: number): SampleDetail[] {
    const inst = this.instances.keyOf(instanceId);
    if (inst === null) return [];
    const memTotal = this.instances.memTotal(inst);
    return (this.stmt.lastN.all(inst, sinceMs, limit) as SampleRow[]).map((r) => ({
      ...storedSummary(r, memTotal),
      gpus: decodeGpus(r.gpus),
      healthError: (r.flags & FLAG_HEALTH_ERROR) !== 0,
    }));
  }

  count(instanceId: string): number {
    const inst = this.instances.keyOf(instanceId);
    return inst === null ? 0 : (this.stmt.count.get(inst) as number);
  }
}

/** What the engine sees of a stored row: its GPU figures decoded, with the instance's memory total. */
export function storedSummary(r: SampleRow, memTotal: number | null): SampleSummary {
  const { section, gpus: gpuBlob } = splitHostSection(r.gpus);
  const gpus = decodeGpus(gpuBlob);
  return withHostSection(summarizeStored(r.t1, r.dur, r.flags, r.cnt, r.procs, gpus, gpus.length === 0 ? null : memTotal), section);
}

/** The summary with the host figures and the inhibition of its sample, when it had any. */
function withHostSection(s: SampleSummary, section: HostSection | null): SampleSummary {
  if (section === null) return s;
  if (section.host !== null) s.host = section.host;
  if (section.inhibit !== null) s.inhibit = section.inhibit;
  return s;
}
