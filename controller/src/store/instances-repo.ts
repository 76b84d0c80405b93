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

  constructor(private readonly db: SqlDatabase) {
    this.cache = new InstanceCache(db);
    this.setIdles = new BatchedStatement(db, 2, (v) => `UPDATE instances SET idle_state = v.column2 FROM (VALUES ${v}) AS v WHERE instances.id = v.column1`);
    this.stmt = {
      keyOf: db.prepare('SELECT key FROM instances WHERE id = ?').pluck(),
      get: db.prepare(`SELECT ${INSTANCE_COLUMNS} FROM ${INSTANCE_FROM} WHERE instances.id = ?`).raw(),
      touchListed: db.prepare('UPDATE inventory_seen SET at = ? WHERE inst IN (SELECT CAST(value AS INTEGER) FROM json_each(?))'),
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
      setFacts: db.prepare('UPDATE instances SET agent_facts = ? WHERE key = ?'),
      getFacts: db.prepare('SELECT agent_facts FROM instances WHERE key = ?').pluck(),
      // A sample "takes over" the instance's current source unless it is older than the last one, or it comes from a
      // worse source while a better one was heard from within TAKEOVER_GRACE_MS (source-rank.ts): the provider's
      // figure, kept while an agent reports, must not flip the instance's source or last sample time every cycle.
      // Only a sample that takes over is written (afterSample).
      afterSample: db.prepare(`INSERT INTO sample_marks (inst, metric_source, last_sample_at, mem_total_mib)
        VALUES (@key, @source, @t1, CAST(@memTotal AS INTEGER))
        ON CONFLICT (inst) DO UPDATE SET metric_source = excluded.metric_source,
          mem_total_mib = coalesce(excluded.mem_total_mib, sample_marks.mem_total_mib),
          last_sample_at = CASE WHEN sample_marks.last_sample_at IS NULL OR excluded.last_sample_at > sample_marks.last_sample_at
            THEN excluded.last_sample_at ELSE sample_marks.last_sample_at END`),
      current: db.prepare('SELECT metric_source AS metricSource, last_sample_at AS lastSampleAt FROM sample_marks WHERE inst = ?'),
      getIdle: db.prepare('SELECT idle_state FROM instances WHERE id = ?').pluck(),
      setIdle: db.prepare('UPDATE instances SET idle_state = ? WHERE id = ?'),
      allIdle: db.prepare('SELECT id, idle_state FROM instances WHERE idle_state IS NOT NULL'),
      keys: db.prepare('SELECT key FROM instances WHERE key > ? ORDER BY key LIMIT ?').pluck(),
      memTotal: db.prepare('SELECT mem_total_mib FROM sample_marks WHERE inst = ?').pluck(),
    };
  }

  /** Drops cached keys and health: after a rollback they may name rows that no longer exist. */
  forgetCaches(): void {
    this.keys.clear();
    this.lastHealth.clear();
    this.cache.forget();
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
    const unchanged: string[] = [];
    for (const p of list) {
      if (p.provider !== provider) throw new Error(`inventory for ${provider} contains ${p.id} of provider ${p.provider}`);
      if (parseInstanceId(p.id) === null) throw new Error(`inventory for ${provider} contains invalid id "${p.id.slice(0, 300)}"`);
      if (seen.has(p.id)) continue;
      seen.add(p.id);
      const prev = before.get(p.id);
      // A fresh running period starts the clock afresh: the engine's rule (running-since.ts), from the stored record.
      const runningSince = runningSinceAfterReading(prev ?? null, p.state, now);
      if (prev !== undefined && prev.lastInventoryAt !== null && sameInventory(prev, p, runningSince)) {
        unchanged.push(p.id);
        continue;
      }
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
    if (unchanged.length > 0) {
      const keys = unchanged.map((id) => this.cache.knownKey(id));
      this.stmt.touchListed.run(now, JSON.stringify(keys));
      this.cache.touchInventory(unchanged, now);
    }
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
    return result;
  }

  recordHello(key: number, hello: Hello, now: number): void {
    this.setFacts(key, { ...this.facts(key), hello, helloAt: now });
  }

  /** Writes the agent's health only when it changed since the last write. */
  recordHealth(key: number, health: AgentHealth, now: number): void {
    const text = JSON.stringify(health);
    if (this.lastHealth.get(key) === text) return;
    this.setFacts(key, { ...this.facts(key), health, healthAt: now });
    this.lastHealth.set(key, text);
  }

  /** Writes the facts and gives the cached record what a re-read would (10,000 agents saying hello need no 10,000 reads). */
  private setFacts(key: number, facts: AgentFacts): void {
    const text = JSON.stringify(facts);
    this.stmt.setFacts.run(text, key);
    this.cache.patchByKey(key, () => ({ agentFacts: deepFreeze(parseJsonColumn<AgentFacts | null>(text, null)) }));
  }

  private facts(key: number): AgentFacts {
    const empty: AgentFacts = { hello: null, helloAt: null, health: null, healthAt: null };
    return { ...empty, ...parseJsonColumn<Partial<AgentFacts>>(this.stmt.getFacts.get(key) as string | null, {}) };
  }

  /** The instance's current metric source (the source of its newest sample that took over; see takesOver). */
  currentSource(key: number): MetricSource | null {
    const cur = this.stmt.current.get(key) as { metricSource: MetricSource } | undefined;
    return cur?.metricSource ?? null;
  }

  /** Records a stored sample's source and end on its instance; true when it became the instance's newest. */
  afterSample(key: number, source: MetricSource, t1: number, memTotal: number | null): boolean {
    const cur = this.stmt.current.get(key) as { metricSource: MetricSource; lastSampleAt: number | null } | undefined;
    const take = cur === undefined || takesOver(cur, source, t1);
    if (take) {
      this.stmt.afterSample.run({ key, source, t1, memTotal });
      this.cache.patchByKey(key, (r) => ({
        metricSource: source,
        memTotalMiB: memTotal !== null ? memTotal : r.memTotalMiB,
        lastSampleAt: Math.max(r.lastSampleAt ?? 0, t1),
      }));
    }
    return take;
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
