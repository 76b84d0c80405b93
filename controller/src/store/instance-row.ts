// The instances table's row as read in raw mode (arrays: better-sqlite3 builds 24-key row objects far more slowly),
// and its conversion to the InstanceRecord the rest of the controller sees.
import type { InstanceState, MetricSource, ProviderName } from '../domain/instance';
import type { AgentFacts, InstanceRecord } from './types';

export const INSTANCE_COLUMNS = `instances.key, instances.id, instances.provider, provider_id, name, state, raw_state, gpu_name, num_gpus,
  price_per_hour, stopped_price_per_hour, created_at, ssh_host, ssh_port, labels, provider_util, first_seen,
  ${lastInventoryAt('seen.at', 'listing.at')},
  running_since, coalesce(marks.metric_source, 'none'), marks.last_sample_at, marks.mem_total_mib, agent_facts, public_address`;

/**
 * What INSTANCE_COLUMNS reads from: the row, its own inventory time, its provider's last listing (migration 11) and
 * its newest sample's marks (migration 9).
 */
export const INSTANCE_FROM = `instances LEFT JOIN inventory_seen seen ON seen.inst = instances.key
  LEFT JOIN inventory_listings listing ON listing.provider = instances.provider
  LEFT JOIN sample_marks marks ON marks.inst = instances.key`;

/**
 * An instance's last inventory time, in SQL: one listed before and not deleted since was in its provider's latest
 * listing (a listing that leaves it out marks it deleted), so that listing's time counts; otherwise its own time.
 */
function lastInventoryAt(own: string, listing: string): string {
  return `CASE WHEN ${own} IS NOT NULL AND state <> 'deleted' AND ${listing} > ${own} THEN ${listing} ELSE ${own} END`;
}

/** The same in code, for a copy brought up to date without reading the row again (instance-cache.ts). */
export function effectiveInventoryAt(own: number | null, state: string, listing: number | undefined): number | null {
  return own !== null && state !== 'deleted' && listing !== undefined && listing > own ? listing : own;
}

/** A row in INSTANCE_COLUMNS order. */
export type InstanceRow = [
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
  publicAddress: string | null,
];

/** JSON from a column, or `fallback` when it is NULL or unreadable (a damaged cell never stops a listing). */
export function parseJsonColumn<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Freezes a parsed JSON value and everything in it. */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

/**
 * The record of a row, frozen to the bottom: the store hands the same object to every reader until the row changes,
 * so no reader may change what the next one sees.
 */
export function toRecord(r: InstanceRow): InstanceRecord {
  return deepFreeze({
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
    labels: r[14] === '{}' ? {} : parseJsonColumn<Record<string, string>>(r[14], {}),
    providerUtil: r[15],
    firstSeen: r[16],
    lastInventoryAt: r[17],
    runningSince: r[18],
    metricSource: r[19] as MetricSource,
    lastSampleAt: r[20],
    memTotalMiB: r[21],
    agentFacts: parseJsonColumn<AgentFacts | null>(r[22], null),
    publicAddress: r[23] ?? null,
  });
}
