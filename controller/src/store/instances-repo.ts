// The instances table: provider inventory, placeholders for ids first seen through a token or a sample, agent facts,
// and the engine's opaque idle state.
import type Database from 'better-sqlite3';
import type { AgentHealth, Hello } from '../../../protocol';
import type { InstanceState, MetricSource, ProviderInstance, ProviderName } from '../domain/instance';
import { parseInstanceId } from './instance-id';
import type { AgentFacts, InstanceRecord } from './types';

const COLUMNS = `key, id, provider, provider_id, name, state, raw_state, gpu_name, num_gpus, price_per_hour,
  stopped_price_per_hour, created_at, ssh_host, ssh_port, labels, provider_util, first_seen, last_inventory_at,
  running_since, metric_source, last_sample_at, mem_total_mib, agent_facts`;

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** A row in COLUMNS order (raw mode: better-sqlite3 builds 24-key row objects far more slowly than arrays). */
type InstanceRow = [
  key: number,
  id: string,
  provider: string,
  providerId: string,
  name: string,
  state: string,
  rawState: string,
  gpuName: string | null,
  numGpus: number,
  pricePerHour: number | null,
  stoppedPricePerHour: number | null,
  createdAt: number | null,
  sshHost: string | null,
  sshPort: number | null,
  labels: string,
  providerUtil: number | null,
  firstSeen: number,
  lastInventoryAt: number | null,
  runningSince: number | null,
  metricSource: string,
  lastSampleAt: number | null,
  memTotalMiB: number | null,
  agentFacts: string | null,
];

function toRecord(r: InstanceRow): InstanceRecord {
  return {
    id: r[1],
    provider: r[2] as ProviderName,
    providerId: r[3],
    name: r[4],
    state: r[5] as InstanceState,
    rawState: r[6],
    gpuName: r[7],
    numGpus: r[8],
    pricePerHour: r[9],
    stoppedPricePerHour: r[10],
    createdAt: r[11],
    ssh: r[12] === null ? null : { host: r[12], port: r[13] ?? 22 },
    labels: r[14] === '{}' ? {} : parseJson<Record<string, string>>(r[14], {}),
    providerUtil: r[15],
    firstSeen: r[16],
    lastInventoryAt: r[17],
    runningSince: r[18],
    metricSource: r[19] as MetricSource,
    lastSampleAt: r[20],
    memTotalMiB: r[21],
    agentFacts: parseJson<AgentFacts | null>(r[22], null),
  };
}

export interface InventoryResult {
  added: string[];
  /** State changes, including instances missing from the list (-> deleted). */
  changed: { id: string; from: InstanceState; to: InstanceState }[];
}

export class InstancesRepo {
  private readonly keys = new Map<string, number>();
  /** Last health written per instance, so a batch only rewrites agent_facts when the health changed. */
  private readonly lastHealth = new Map<number, string>();
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      keyOf: db.prepare('SELECT key FROM instances WHERE id = ?').pluck(),
      get: db.prepare(`SELECT ${COLUMNS} FROM instances WHERE id = ?`).raw(),
      list: db.prepare(`SELECT ${COLUMNS} FROM instances ORDER BY id`).raw(),
      listProvider: db.prepare('SELECT id, state, last_inventory_at, running_since FROM instances WHERE provider = ?'),
      insertPlaceholder: db.prepare(`INSERT INTO instances (id, provider, provider_id, name, state, raw_state, first_seen)
        VALUES (?, ?, ?, ?, 'unknown', ?, ?)`),
      insertInventory: db.prepare(`INSERT INTO instances (id, provider, provider_id, name, state, raw_state, gpu_name,
        num_gpus, price_per_hour, stopped_price_per_hour, created_at, ssh_host, ssh_port, labels, provider_util,
        first_seen, last_inventory_at, running_since)
        VALUES (@id, @provider, @providerId, @name, @state, @rawState, @gpuName, @numGpus, @pricePerHour,
        @stoppedPricePerHour, @createdAt, @sshHost, @sshPort, @labels, @providerUtil, @now, @now, @runningSince)`),
      updateInventory: db.prepare(`UPDATE instances SET provider = @provider, provider_id = @providerId, name = @name,
        state = @state, raw_state = @rawState, gpu_name = @gpuName, num_gpus = @numGpus, price_per_hour = @pricePerHour,
        stopped_price_per_hour = @stoppedPricePerHour, created_at = @createdAt, ssh_host = @sshHost, ssh_port = @sshPort,
        labels = @labels, provider_util = @providerUtil, last_inventory_at = @now, running_since = @runningSince
        WHERE id = @id`),
      markMissing: db.prepare(`UPDATE instances SET state = 'deleted', raw_state = 'missing from provider inventory',
        running_since = NULL, last_inventory_at = ? WHERE id = ?`),
      setFacts: db.prepare('UPDATE instances SET agent_facts = ? WHERE key = ?'),
      getFacts: db.prepare('SELECT agent_facts FROM instances WHERE key = ?').pluck(),
      afterSample: db.prepare(`UPDATE instances SET
        metric_source = CASE WHEN last_sample_at IS NULL OR @t1 >= last_sample_at THEN @source ELSE metric_source END,
        mem_total_mib = CASE WHEN @memTotal IS NOT NULL AND (last_sample_at IS NULL OR @t1 >= last_sample_at)
          THEN @memTotal ELSE mem_total_mib END,
        last_sample_at = max(coalesce(last_sample_at, 0), @t1)
        WHERE key = @key`),
      getIdle: db.prepare('SELECT idle_state FROM instances WHERE id = ?').pluck(),
      setIdle: db.prepare('UPDATE instances SET idle_state = ? WHERE id = ?'),
      allIdle: db.prepare('SELECT id, idle_state FROM instances WHERE idle_state IS NOT NULL'),
      keys: db.prepare('SELECT key FROM instances WHERE key > ? ORDER BY key LIMIT ?').pluck(),
      memTotal: db.prepare('SELECT mem_total_mib FROM instances WHERE key = ?').pluck(),
    };
  }

  /** Drops cached keys and health: after a rollback they may name rows that no longer exist. */
  forgetCaches(): void {
    this.keys.clear();
    this.lastHealth.clear();
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
    const key = Number(info.lastInsertRowid);
    this.keys.set(id, key);
    return key;
  }

  get(id: string): InstanceRecord | null {
    const row = this.stmt.get.get(id) as InstanceRow | undefined;
    return row === undefined ? null : toRecord(row);
  }

  list(): InstanceRecord[] {
    return (this.stmt.list.all() as InstanceRow[]).map(toRecord);
  }

  /** Call inside a transaction: applies one provider's complete list. */
  upsertInventory(provider: ProviderName, list: readonly ProviderInstance[], now: number): InventoryResult {
    const result: InventoryResult = { added: [], changed: [] };
    const before = new Map<string, { state: InstanceState; listed: boolean; runningSince: number | null }>();
    type Row = { id: string; state: string; last_inventory_at: number | null; running_since: number | null };
    for (const r of this.stmt.listProvider.all(provider) as Row[]) {
      before.set(r.id, { state: r.state as InstanceState, listed: r.last_inventory_at !== null, runningSince: r.running_since });
    }
    const seen = new Set<string>();
    for (const p of list) {
      if (p.provider !== provider) throw new Error(`inventory for ${provider} contains ${p.id} of provider ${p.provider}`);
      if (parseInstanceId(p.id) === null) throw new Error(`inventory for ${provider} contains invalid id "${p.id.slice(0, 300)}"`);
      if (seen.has(p.id)) continue;
      seen.add(p.id);
      const prev = before.get(p.id);
      // A fresh running period starts the idle clock afresh (DESIGN.md: a resumed instance gets a full window).
      const runningSince =
        p.state === 'running' ? (prev !== undefined && prev.state === 'running' && prev.runningSince !== null ? prev.runningSince : now) : null;
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
        now,
        runningSince,
      };
      if (prev === undefined) {
        const info = this.stmt.insertInventory.run(params);
        this.keys.set(p.id, Number(info.lastInsertRowid));
        result.added.push(p.id);
      } else {
        this.stmt.updateInventory.run(params);
        if (prev.state !== p.state) result.changed.push({ id: p.id, from: prev.state, to: p.state });
      }
    }
    for (const [id, prev] of before) {
      // Placeholders never listed yet (a token minted before the instance shows up) stay as they are.
      if (seen.has(id) || !prev.listed || prev.state === 'deleted') continue;
      this.stmt.markMissing.run(now, id);
      result.changed.push({ id, from: prev.state, to: 'deleted' });
    }
    return result;
  }

  recordHello(key: number, hello: Hello, now: number): void {
    const facts = this.facts(key);
    this.stmt.setFacts.run(JSON.stringify({ ...facts, hello, helloAt: now }), key);
  }

  /** Writes the agent's health only when it changed since the last write. */
  recordHealth(key: number, health: AgentHealth, now: number): void {
    const text = JSON.stringify(health);
    if (this.lastHealth.get(key) === text) return;
    const facts = this.facts(key);
    this.stmt.setFacts.run(JSON.stringify({ ...facts, health, healthAt: now }), key);
    this.lastHealth.set(key, text);
  }

  private facts(key: number): AgentFacts {
    const empty: AgentFacts = { hello: null, helloAt: null, health: null, healthAt: null };
    return { ...empty, ...parseJson<Partial<AgentFacts>>(this.stmt.getFacts.get(key) as string | null, {}) };
  }

  afterSample(key: number, source: MetricSource, t1: number, memTotal: number | null): void {
    this.stmt.afterSample.run({ key, source, t1, memTotal });
  }

  memTotal(key: number): number | null {
    return (this.stmt.memTotal.get(key) as number | null | undefined) ?? null;
  }

  getIdleState(id: string): unknown {
    return parseJson<unknown>((this.stmt.getIdle.get(id) as string | null | undefined) ?? null, null);
  }

  /** Returns false when the instance does not exist. */
  setIdleState(id: string, value: unknown): boolean {
    return this.stmt.setIdle.run(value === null || value === undefined ? null : JSON.stringify(value), id).changes > 0;
  }

  allIdleStates(): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const r of this.stmt.allIdle.all() as { id: string; idle_state: string }[]) out.set(r.id, parseJson<unknown>(r.idle_state, null));
    return out;
  }

  /** Instance keys in order, for chunked maintenance passes. */
  keysAfter(key: number, limit: number): number[] {
    return this.stmt.keys.all(key, limit) as number[];
  }
}
