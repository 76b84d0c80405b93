// Parses Vast.ai instance objects and list/show envelopes into ProviderInstance; every field is read tolerantly.
import type { ProviderInstance, SshEndpoint } from '../../domain/instance';
import { epochSecondsToMs, isRecord, type Json, readIpAddress, readNumber, readPrice, readString, toPort } from '../parse-helpers';
import { vastRawState, vastState } from './vast-state';

/** One instance object; null when it has no usable id (nothing can be done with it). */
export function parseVastInstance(raw: unknown): ProviderInstance | null {
  if (!isRecord(raw)) return null;
  const id = readString(raw, 'id');
  if (id === null || !/^\d+$/.test(id)) return null;
  const label = readString(raw, 'label');
  const numGpus = readNumber(raw, 'num_gpus');
  return {
    id: `vast:${id}`,
    provider: 'vast',
    providerId: id,
    name: label ?? id,
    state: vastState(raw),
    rawState: vastRawState(raw),
    gpuName: readString(raw, 'gpu_name'),
    numGpus: numGpus !== null && Number.isInteger(numGpus) && numGpus >= 0 ? numGpus : 0,
    // dph_total is $/hour including disk (docs/providers.md).
    pricePerHour: readPrice(raw, 'dph_total'),
    stoppedPricePerHour: stoppedPrice(raw),
    createdAt: epochSecondsToMs(raw['start_date']),
    ssh: vastSsh(raw),
    labels: label === null ? {} : { label },
    providerUtil: util(raw),
    publicAddress: readIpAddress(raw, 'public_ipaddr'),
  };
}

/**
 * What a stopped instance still costs per hour: storage only. In Vast's instance object `storage_cost` is the disk
 * rate in $/GB/month and `storage_total_cost` the resulting $/hour (the docs' example: dph_base 0.8 +
 * storage_total_cost 0.0021 = dph_total 0.8021), so the hourly figure comes from storage_total_cost, or failing
 * that from dph_total - dph_base. storage_cost alone is a monthly per-GB rate and is not used as $/hour.
 */
function stoppedPrice(raw: Json): number | null {
  const total = readPrice(raw, 'storage_total_cost');
  if (total !== null) return total;
  const all = readPrice(raw, 'dph_total');
  const base = readPrice(raw, 'dph_base');
  if (all !== null && base !== null && all >= base) return Math.round((all - base) * 1e6) / 1e6;
  return null;
}

/** Vast's proxy SSH (ssh_host/ssh_port) first, else the direct mapping of port 22 (`HostPort` is a string). */
function vastSsh(raw: Json): SshEndpoint | null {
  const host = readString(raw, 'ssh_host');
  const port = toPort(raw['ssh_port']);
  if (host !== null && port !== null) return { host, port };
  const ip = readString(raw, 'public_ipaddr');
  const ports = raw['ports'];
  if (ip === null || !isRecord(ports)) return null;
  const mapped = ports['22/tcp'];
  if (!Array.isArray(mapped) || !isRecord(mapped[0])) return null;
  const hostPort = toPort(mapped[0]['HostPort']);
  return hostPort === null ? null : { host: ip.trim(), port: hostPort };
}

/** Vast's own utilization reading in percent; outside 0..100 it is garbage, so unknown. */
function util(raw: Json): number | null {
  const u = readNumber(raw, 'gpu_util');
  return u !== null && u >= 0 && u <= 100 ? u : null;
}

export interface VastListPage {
  instances: unknown[];
  nextToken: string | null;
}

/** `GET /api/v1/instances/` body; throws a plain Error with a reason when the envelope is not the documented one. */
export function parseVastListPage(body: unknown): VastListPage {
  if (!isRecord(body)) throw new Error('list response is not a JSON object');
  if (body['success'] === false) throw new Error(`list failed: ${vastErrorText(body)}`);
  const instances = body['instances'];
  if (!Array.isArray(instances)) throw new Error('list response has no "instances" array');
  const token = body['next_token'];
  const nextToken = typeof token === 'string' && token !== '' ? token : typeof token === 'number' ? String(token) : null;
  return { instances, nextToken };
}

/**
 * `GET /api/v0/instances/{id}/?owner=me` body: `{"instances": {...}}` (plural key, one object), or
 * `{"instances": null}` when the instance is gone (HTTP 200). A one-element array is accepted too.
 * Returns the raw object, null when gone; throws when the envelope is unreadable.
 */
export function parseVastShow(body: unknown): unknown | null {
  if (!isRecord(body)) throw new Error('show response is not a JSON object');
  if (body['success'] === false) throw new Error(`show failed: ${vastErrorText(body)}`);
  if (!('instances' in body)) throw new Error('show response has no "instances" key');
  const inst = body['instances'];
  if (inst === null) return null;
  if (Array.isArray(inst)) {
    if (inst.length === 0) return null;
    if (inst.length === 1) return inst[0];
    throw new Error(`show response lists ${inst.length} instances`);
  }
  if (isRecord(inst)) return inst;
  throw new Error('show response "instances" is neither an object nor null');
}

/** The error text of a Vast error body: `{"success":false,"error":"<code>","msg":"..."}`, or only `msg` / `detail`. */
export function vastErrorText(body: unknown): string {
  if (!isRecord(body)) return 'no details';
  const parts = ['error', 'msg', 'detail'].map((k) => body[k]).filter((v): v is string => typeof v === 'string' && v !== '');
  return parts.length > 0 ? parts.join(': ') : 'no details';
}

/** The error code of a Vast error body (`not_found`, `no_such_instance`, ...), lower-cased, or ''. */
export function vastErrorCode(body: unknown): string {
  return isRecord(body) && typeof body['error'] === 'string' ? body['error'].toLowerCase() : '';
}
