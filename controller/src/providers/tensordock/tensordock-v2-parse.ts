// Parses TensorDock v2 bodies: the three list shapes, flat or JSON:API instances, and errors that arrive with HTTP 200.
import type { ProviderInstance, SshEndpoint } from '../../domain/instance';
import { dateStringToMs, isRecord, type Json, readPrice, readString, toNumber, toPort } from '../parse-helpers';
import { toTensorDockInstance } from './tensordock-instance';

export interface BodyError {
  message: string;
  /** The `status` inside the body (e.g. 400), or null. */
  status: number | null;
}

/**
 * v2 can answer HTTP 200 with `{"error":"Hostnode unavailable","status":400}` (docs/providers.md [seen]; three
 * independent clients check for it). A body with an `error` and no `data` is such an error.
 */
export function v2BodyError(body: unknown): BodyError | null {
  if (!isRecord(body)) return null;
  const e = body['error'];
  if (e === undefined || e === null || e === false) return null;
  if (body['data'] !== undefined && body['data'] !== null) return null;
  const message = typeof e === 'string' ? e : isRecord(e) && typeof e['message'] === 'string' ? e['message'] : JSON.stringify(e).slice(0, 200);
  const status = toNumber(body['status']) ?? toNumber(body['code']);
  return { message, status };
}

/** A list item or a get body: flat (`{id, name, status, ...}`) or JSON:API (`{type, id, attributes: {...}}`), maybe under `data`. */
export function flattenV2(raw: unknown): Json | null {
  if (!isRecord(raw)) return null;
  const inner = isRecord(raw['data']) && raw['id'] === undefined ? raw['data'] : raw;
  if (!isRecord(inner)) return null;
  const attrs = inner['attributes'];
  return isRecord(attrs) ? { ...attrs, id: inner['id'] ?? attrs['id'], type: inner['type'] } : inner;
}

/**
 * `GET /instances`. The live API answers `{"data":[...]}`; the docs also show `{"data":{"instances":[...]}}` and
 * `{"data":{"type":"list","attributes":{"instances":[...]}}}`. All three are accepted (and a bare array).
 */
export function v2ListItems(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (!isRecord(body)) throw new Error('list response is not a JSON object');
  const data = body['data'];
  if (Array.isArray(data)) return data;
  if (isRecord(data)) {
    if (Array.isArray(data['instances'])) return data['instances'];
    const attrs = data['attributes'];
    if (isRecord(attrs) && Array.isArray(attrs['instances'])) return attrs['instances'];
  }
  throw new Error('list response has none of the documented shapes (data[], data.instances[], data.attributes.instances[])');
}

export function parseV2Instance(raw: unknown): ProviderInstance | null {
  const f = flattenV2(raw);
  if (f === null) return null;
  const id = readString(f, 'id');
  if (id === null) return null;
  const gpus = v2Gpus(f);
  return toTensorDockInstance({
    id,
    name: readString(f, 'name'),
    status: f['status'],
    gpuName: gpus.name,
    numGpus: gpus.count,
    pricePerHour: readPrice(f, 'rateHourly'),
    createdAt: dateStringToMs(f['createdAt'] ?? f['created_at'] ?? f['dateCreated']),
    ssh: v2Ssh(f),
  });
}

/** `resources.gpus` is an array of `{gpuV0Name, count}` in the docs; a map `{"<name>": {count}}` is accepted too. */
function v2Gpus(f: Json): { name: string | null; count: number } {
  const resources = f['resources'];
  const gpus = isRecord(resources) ? resources['gpus'] : undefined;
  const entries: [string | null, number][] = [];
  if (Array.isArray(gpus)) {
    for (const g of gpus) {
      if (!isRecord(g)) continue;
      const name = readString(g, 'gpuV0Name') ?? readString(g, 'name') ?? readString(g, 'type');
      entries.push([name, toNumber(g['count']) ?? toNumber(g['amount']) ?? 1]);
    }
  } else if (isRecord(gpus)) {
    for (const [name, g] of Object.entries(gpus)) entries.push([name, isRecord(g) ? (toNumber(g['count']) ?? toNumber(g['amount']) ?? 1) : (toNumber(g) ?? 1)]);
  }
  const count = entries.reduce((n, [, c]) => n + (Number.isInteger(c) && c > 0 ? c : 0), 0);
  return { name: entries.find(([n]) => n !== null)?.[0] ?? null, count };
}

/** `portForwards` is `[{internal_port, external_port}]` (live) or a map internal -> external (docs schema). */
function v2Ssh(f: Json): SshEndpoint | null {
  const host = readString(f, 'ipAddress') ?? readString(f, 'ip_address');
  if (host === null) return null;
  const pf = f['portForwards'] ?? f['port_forwards'];
  // Port 0: no forward of 22 listed, so SSH_PORT (default 22) applies.
  if (pf === undefined || pf === null || (Array.isArray(pf) && pf.length === 0)) return { host, port: 0 };
  if (Array.isArray(pf)) {
    for (const p of pf) {
      if (isRecord(p) && toPort(p['internal_port'] ?? p['internalPort']) === 22) {
        const ext = toPort(p['external_port'] ?? p['externalPort']);
        if (ext !== null) return { host, port: ext };
      }
    }
    return null;
  }
  if (isRecord(pf)) {
    const ext = toPort(pf['22']);
    return ext === null ? null : { host, port: ext };
  }
  return null;
}
