// The instances table: provider inventory, placeholders for ids first seen through a token or a sample, agent facts,
// and the engine's opaque idle state.
import { BatchedStatement } from './sql/batched-statement';
import type { SqlDatabase } from './sql/sql-database';
import { takesOver } from './source-rank';
import type { AgentHealth, Hello } from '../../../protocol';
import type { InstanceState, MetricSource, ProviderInstance, ProviderName } from '../domain/instance';
import { runningSinceAfterReading } from '../engine/running-since';
import { InstanceCache } from './instance-cache';
import { parseInstanceId } from './instance-id';
import { deepFreeze, INSTANCE_COLUMNS, INSTANCE_FROM, type InstanceRow, parseJsonColumn, toRecord } from './instance-row';
import type { AgentFacts, InstanceRecord } from './types';

export interface InventoryResult {
  added: string[];
  /** State changes, including instances missing from the list (-> deleted). */
  changed: { id: string; from: InstanceState; to: InstanceState }[];
}

/** True when the stored record already says what this inventory entry says (so only its last inventory time moves). */
function sameInventory(r: InstanceRecord, p: ProviderInstance, runningSince: number | null): boolean {
  return (
    r.provider === p.provider &&
    r.providerId === p.providerId &&
    r.name === p.name &&
    r.state === p.state &&
    r.rawState === p.rawState &&
    r.gpuName === p.gpuName &&
    r.numGpus === p.numGpus &&
    r.pricePerHour === p.pricePerHour &&
    r.stoppedPricePerHour === p.stoppedPricePerHour &&
    r.createdAt === p.createdAt &&
    (r.ssh?.host ?? null) === (p.ssh?.host ?? null) &&
    (r.ssh?.port ?? null) === (p.ssh?.port ?? null) &&
    r.providerUtil === p.providerUtil &&
    (r.publicAddress ?? null) === (p.publicAddress ?? null) &&
    r.runningSince === runningSince &&
    sameLabels(r.labels, p.labels ?? {})
  );
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  // Key order matters too: the stored JSON keeps the provider's order.
  return ka.length === kb.length && ka.every((k, i) => kb[i] === k && a[k] === b[k]);
}

export class InstancesRepo {
  private readonly keys = new Map<string, number>();
  /** Last health written per instance, so a batch only rewrites agent_facts when the health changed. */
  private readonly lastHealth = new Map<number, string>();
  private readonly stmt;
  private readonly cache: InstanceCache;
  /** The tracker saves a fleet's idle states together (every tenth cycle): a few statements, not one per instance. */
  private readonly setIdles: BatchedStatement;
  private readonly setFactsMany: BatchedStatement;
  /** A batch of samples moves many instances' marks at once (afterSamples). */
  private readonly setMarks: BatchedStatement;

  constructor(private readonly db: SqlDatabase) {
    this.cache = new InstanceCache(db);
    this.setIdles = new BatchedStatement(db, 2, (v) => `UPDATE instances SET idle_state = v.column2 FROM (VALUES ${v}) AS v WHERE instances.id = v.column1`);
    this.setFactsMany = new BatchedStatement(
      db,
      2,
      (v) => `UPDATE instances SET agent_facts = v.column2 FROM (VALUES ${v}) AS v WHERE instances.key = CAST(v.column1 AS INTEGER)`,
    );
    this.setMarks = new BatchedStatement(
      db,
      4,
      (v) => `INSERT INTO sample_marks (inst, metric_source, last_sample_at, mem_total_mib) VALUES ${v}
        ON CONFLICT (inst) DO UPDATE SET metric_source = excluded.metric_source,
          mem_total_mib = coalesce(excluded.mem_total_mib, sample_marks.mem_total_mib),
          last_sample_at = CASE WHEN sample_marks.last_sample_at IS NULL OR excluded.last_sample_at > sample_marks.last_sample_at
            THEN excluded.last_sample_at ELSE sample_marks.last_sample_at END`,
    );
    this.stmt = {
      keyOf: db.prepare('SELECT key FROM instances WHERE id = ?').pluck(),
      get: db.prepare(`SELECT ${INSTANCE_COLUMNS} FROM ${INSTANCE_FROM} WHERE instances.id = ?`).raw(),
      listedAt: db.prepare('INSERT INTO inventory_listings (provider, at) VALUES (?, ?) ON CONFLICT (provider) DO UPDATE SET at = excluded.at'),
      seen: db.prepare('INSERT INTO inventory_seen (inst, at) VALUES (?, ?) ON CONFLICT (inst) DO UPDATE SET at = excluded.at'),
      // DO NOTHING: another replica (its inventory, its token mint) may insert the same id between our look and ours.
      insertPlaceholder: db.prepare(`INSERT INTO instances (id, provider, provider_id, name, state, raw_state, first_seen)
        VALUES (?, ?, ?, ?, 'unknown', ?, ?) ON CONFLICT (id) DO NOTHING`),
      insertInventory: db.prepare(`INSERT INTO instances (id, provider, provider_id, name, state, raw_state, gpu_name,
        num_gpus, price_per_hour, stopped_price_per_hour, created_at, ssh_host, ssh_port, labels, provider_util,
        first_seen, running_since, public_address)
        VALUES (@id, @provider, @providerId, @name, @state, @rawState, @gpuName, @numGpus, @pricePerHour,
        @stoppedPricePerHour, @createdAt, @sshHost, @sshPort, @labels, @providerUtil, @now, @runningSince, @publicAddress)`),
      updateInventory: db.prepare(`UPDATE instances SET provider = @provider, provider_id = @providerId, name = @name,
        state = @state, raw_state = @rawState, gpu_name = @gpuName, num_gpus = @numGpus, price_per_hour = @pricePerHour,
        stopped_price_per_hour = @stoppedPricePerHour, created_at = @createdAt, ssh_host = @sshHost, ssh_port = @sshPort,
        labels = @labels, provider_util = @providerUtil, running_since = @runningSince, public_address = @publicAddress
        WHERE id = @id`),
      markMissing: db.prepare(`UPDATE instances SET state = 'deleted', raw_state = 'missing from provider inventory',
        running_since = NULL WHERE id = ?`),
      factsOf: db.prepare('SELECT key, agent_facts AS facts FROM instances WHERE key IN (SELECT CAST(value AS INTEGER) FROM json_each(?))'),
      current: db.prepare('SELECT metric_source AS metricSource, last_sample_at AS lastSampleAt FROM sample_marks WHERE inst = ?'),
      currentOf: db.prepare(`SELECT inst, metric_source AS metricSource, last_sample_at AS lastSampleAt FROM sample_marks
        WHERE inst IN (SELECT CAST(value AS INTEGER) FROM json_each(?))`),
      getIdle: db.prepare('SELECT idle_state FROM instances WHERE id = ?').pluck(),
      setIdle: db.prepare('UPDATE instances SET idle_state = ? WHERE id = ?'),
      allIdle: db.prepare('SELECT id, idle_state FROM instances WHERE idle_state IS NOT NULL'),
      keys: db.prepare('SELECT key FROM instances WHERE key > ? ORDER BY key LIMIT ?').pluck(),
      memTotal: db.prepare('SELECT mem_total_mib FROM sample_marks WHERE inst = ?').pluck(),
    };
  }

  /** Every instance by its row key, current as of this call (one sync of the copy for many lookups). */
  byKey(): (key: number) => InstanceRecord | undefined {
    return this.cache.byKey();
  }

  /** The outermost transaction committed: what it wrote to the copy stands (instance-cache.ts). */
  committed(): void {
    this.cache.committed();
  }

  /** Drops cached keys and health: after a rollback they may name rows that no longer exist. */
  forgetCaches(): void {
    this.keys.clear();
    this.lastHealth.clear();
    this.cache.rolledBack();
  }

  /** The integer key of an existing instance, or null. */
  keyOf(id: string): number | null {
    const cached = this.keys.get(id);
    if (cached !== undefined) return cached;
    const key = this.stmt.keyOf.get(id) as number | undefined;
    if (key === undefined) return null;
    this.keys.set(id, key);
    return key;
  }

  /**
   * Registers an id not seen yet and returns its key. `manual:<name>` is a host registered by hand (no provider
   * inventory will ever list it); `<provider>:<id>` is a placeholder the provider's next inventory fills in.
   * Throws on a malformed id.
   */
  ensure(id: string, now: number): number {
    const existing = this.keyOf(id);
    if (existing !== null) return existing;
    const parsed = parseInstanceId(id);
    if (parsed === null) throw new Error(`invalid instance id "${id.slice(0, 300)}"`);
    const raw = parsed.provider === 'manual' ? 'manual host (no provider inventory)' : 'not yet seen in provider inventory';
    const info = this.stmt.insertPlaceholder.run(id, parsed.provider, parsed.providerId, parsed.providerId, raw, now);
    // Nothing inserted: a concurrent writer (another replica on PostgreSQL) registered it first; use its row.
    const key = info.changes > 0 ? Number(info.lastInsertRowid) : (this.stmt.keyOf.get(id) as number | undefined);
    if (key === undefined) throw new Error(`instance "${id.slice(0, 300)}" could not be registered`);
    this.keys.set(id, key);
    this.cache.markStale(id, key);
    return key;
  }

  get(id: string): InstanceRecord | null {
    const row = this.stmt.get.get(id) as InstanceRow | undefined;
    return row === undefined ? null : toRecord(row);
  }

  /** Every instance, ordered by id; the records are frozen and shared between callers. */
  list(): InstanceRecord[] {
    return this.cache.list();
  }

  /**
   * Call inside a transaction: applies one provider's complete list. A listed instance whose fields did not change
   * only has its last inventory time moved, for all such rows in one statement (a 10,000-instance inventory is mostly that).
   */
  upsertInventory(provider: ProviderName, list: readonly ProviderInstance[], now: number): InventoryResult {
    const result: InventoryResult = { added: [], changed: [] };
    const before = this.cache.map();
    const seen = new Set<string>();
    for (const p of list) {
      if (p.provider !== provider) throw new Error(`inventory for ${provider} contains ${p.id} of provider ${p.provider}`);
      if (parseInstanceId(p.id) === null) throw new Error(`inventory for ${provider} contains invalid id "${p.id.slice(0, 300)}"`);
      if (seen.has(p.id)) continue;
      seen.add(p.id);
      const prev = before.get(p.id);
      // A fresh running period starts the clock afresh: the engine's rule (running-since.ts), from the stored record.
      const runningSince = runningSinceAfterReading(prev ?? null, p.state, now);
      if (prev !== undefined && prev.lastInventoryAt !== null && sameInventory(prev, p, runningSince)) continue;
      const params = {
        id: p.id,
        provider: p.provider,
        providerId: p.providerId,
        name: p.name,
        state: p.state,
        rawState: p.rawState,
        gpuName: p.gpuName,
        numGpus: p.numGpus,
        pricePerHour: p.pricePerHour,
        stoppedPricePerHour: p.stoppedPricePerHour,
        createdAt: p.createdAt,
        sshHost: p.ssh?.host ?? null,
        sshPort: p.ssh?.port ?? null,
        labels: JSON.stringify(p.labels ?? {}),
        providerUtil: p.providerUtil,
        publicAddress: p.publicAddress ?? null,
        now,
        runningSince,
      };
      if (prev === undefined) {
        const key = Number(this.stmt.insertInventory.run(params).lastInsertRowid);
        this.stmt.seen.run(key, now);
        this.keys.set(p.id, key);
        this.cache.markStale(p.id, key);
        result.added.push(p.id);
      } else {
        this.stmt.updateInventory.run(params);
        this.stmt.seen.run(this.keyOf(p.id), now);
        this.cache.markStale(p.id);
        if (prev.state !== p.state) result.changed.push({ id: p.id, from: prev.state, to: p.state });
      }
    }
    // One row for the whole listing: every instance in it that was listed before shows this time (instance-row.ts).
    this.stmt.listedAt.run(provider, now);
    const missing: InstanceRecord[] = [];
    for (const prev of before.values()) {
      // Placeholders never listed yet (a token minted before the instance shows up) stay as they are.
      if (prev.provider !== provider || seen.has(prev.id) || prev.lastInventoryAt === null || prev.state === 'deleted') continue;
      missing.push(prev);
    }
    for (const prev of missing) {
      this.stmt.markMissing.run(prev.id);
      this.stmt.seen.run(this.keyOf(prev.id), now);
      this.cache.markStale(prev.id);
      result.changed.push({ id: prev.id, from: prev.state, to: 'deleted' });
    }
    // After the missing ones are marked for reading again: none of them shows this listing's time.
    this.cache.providerListed(provider, now);
    return result;
  }

  /** Agents' hellos, in order (a later one for the same instance wins), in one read and one write. */
  recordHellos(hellos: readonly { key: number; hello: Hello }[], now: number): void {
    const last = new Map<number, Hello>();
    for (const h of hellos) last.set(h.key, h.hello);
    this.updateFacts(last, (facts, hello) => ({ ...facts, hello, helloAt: now }));
  }

  /** Writes agents' health only where it changed since the last write; in order, a later one for an instance wins. */
  recordHealths(healths: readonly { key: number; health: AgentHealth }[], now: number): void {
    const changed = new Map<number, AgentHealth>();
    const texts = new Map<number, string>();
    for (const h of healths) {
      const text = JSON.stringify(h.health);
      if ((texts.get(h.key) ?? this.lastHealth.get(h.key)) === text) continue;
      texts.set(h.key, text);
      changed.set(h.key, h.health);
    }
    this.updateFacts(changed, (facts, health) => ({ ...facts, health, healthAt: now }));
    for (const key of changed.keys()) this.lastHealth.set(key, texts.get(key)!);
  }

  /**
   * Rewrites the agent facts of the given instances (read once, written in multi-row statements: 10,000 agents
   * saying hello after a restart are a few statements, not 20,000) and gives the cached records what a re-read would.
   */
  private updateFacts<T>(changes: ReadonlyMap<number, T>, merge: (facts: AgentFacts, change: T) => AgentFacts): void {
    if (changes.size === 0) return;
    const empty: AgentFacts = { hello: null, helloAt: null, health: null, healthAt: null };
    const stored = new Map<number, string | null>();
    for (const r of this.stmt.factsOf.all(JSON.stringify([...changes.keys()])) as { key: number; facts: string | null }[]) stored.set(r.key, r.facts);
    const rows: [number, string][] = [];
    for (const [key, change] of changes) {
      const facts = merge({ ...empty, ...parseJsonColumn<Partial<AgentFacts>>(stored.get(key) ?? null, {}) }, change);
      rows.push([key, JSON.stringify(facts)]);
    }
    this.setFactsMany.run(rows);
    for (const [key, text] of rows) this.cache.patchByKey(key, () => ({ agentFacts: deepFreeze(parseJsonColumn<AgentFacts | null>(text, null)) }));
  }

  /** The instance's current metric source (the source of its newest sample that took over; see takesOver). */
  currentSource(key: number): MetricSource | null {
    const cur = this.stmt.current.get(key) as { metricSource: MetricSource } | undefined;
    return cur?.metricSource ?? null;
  }

  /**
   * Records stored samples' sources and ends on their instances, in order, in one read and one write: each sample is
   * judged against the marks as the samples before it in the batch left them (source-rank.ts). Returns, per sample, whether it became its instance's newest.
   */
  afterSamples(samples: readonly { key: number; source: MetricSource; t1: number; memTotal: number | null }[]): boolean[] {
    if (samples.length === 0) return [];
    const marks = new Map<number, { metricSource: MetricSource; lastSampleAt: number | null; memTotal: number | null; write: boolean }>();
    const keys = [...new Set(samples.map((s) => s.key))];
    for (const r of this.stmt.currentOf.all(JSON.stringify(keys)) as { inst: number; metricSource: MetricSource; lastSampleAt: number | null }[]) {
      marks.set(r.inst, { metricSource: r.metricSource, lastSampleAt: r.lastSampleAt, memTotal: null, write: false });
    }
    const took = samples.map((s) => {
      const cur = marks.get(s.key);
      if (cur !== undefined && !takesOver(cur, s.source, s.t1)) return false;
      marks.set(s.key, {
        metricSource: s.source,
        lastSampleAt: Math.max(cur?.lastSampleAt ?? s.t1, s.t1),
        memTotal: s.memTotal ?? cur?.memTotal ?? null,
        write: true,
      });
      return true;
    });
    const rows = [...marks].filter(([, m]) => m.write).map(([key, m]) => [key, m.metricSource, m.lastSampleAt, m.memTotal]);
    this.setMarks.run(rows);
    for (const [key, m] of marks) {
      if (!m.write) continue;
      this.cache.patchByKey(key, (r) => ({
        metricSource: m.metricSource,
        memTotalMiB: m.memTotal !== null ? m.memTotal : r.memTotalMiB,
        lastSampleAt: Math.max(r.lastSampleAt ?? 0, m.lastSampleAt ?? 0),
      }));
    }
    return took;
  }

  memTotal(key: number): number | null {
    return (this.stmt.memTotal.get(key) as number | null | undefined) ?? null;
  }

  getIdleState(id: string): unknown {
    return parseJsonColumn<unknown>((this.stmt.getIdle.get(id) as string | null | undefined) ?? null, null);
  }

  /** Returns false when the instance does not exist. */
  setIdleState(id: string, value: unknown): boolean {
    return this.stmt.setIdle.run(value === null || value === undefined ? null : JSON.stringify(value), id).changes > 0;
  }

  /** Saves many idle states at once; an id with no instance is skipped. Returns how many were saved. */
  setIdleStates(states: ReadonlyMap<string, unknown>): number {
    const rows = [...states].map(([id, v]) => [id, v === null || v === undefined ? null : JSON.stringify(v)]);
    return this.setIdles.run(rows);
  }

  allIdleStates(): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const r of this.stmt.allIdle.all() as { id: string; idle_state: string }[]) out.set(r.id, parseJsonColumn<unknown>(r.idle_state, null));
    return out;
  }

  /** Instance keys in order, for chunked maintenance passes. */
  keysAfter(key: number, limit: number): number[] {
    return this.stmt.keys.all(key, limit) as number[];
  }
}
