// Parses TensorDock v0 (Marketplace) bodies: `{"success":...}` envelopes, VMs keyed by id, `port_forwards` external -> internal.
import type { ProviderInstance, SshEndpoint } from '../../domain/instance';
import { dateStringToMs, isRecord, type Json, readPrice, readString, statusKey, toNumber, toPort } from '../parse-helpers';
import { toTensorDockInstance } from './tensordock-instance';

/** The `error` text of `{"success":false,"error":"..."}`, or null when the body reports success. Non-objects are errors. */
export function v0Failure(body: unknown): string | null {
  if (!isRecord(body)) return 'response is not a JSON object';
  if (body['success'] === true) return null;
  const e = body['error'] ?? body['message'];
  if (typeof e === 'string' && e !== '') return e;
  return body['success'] === false ? 'success=false without an error message' : 'response has no "success" field';
}

/** `POST /client/list`: `{"success":true,"virtualmachines":{"<uuid>":{...}}}`, an object keyed by id (an array is accepted too). */
export function v0ListEntries(body: unknown): [string | null, unknown][] {
  const failure = v0Failure(body);
  if (failure !== null) throw new Error(`list failed: ${failure}`);
  const vms = (body as Json)['virtualmachines'];
  if (isRecord(vms)) return Object.entries(vms);
  if (Array.isArray(vms)) return vms.map((v) => [isRecord(v) ? readString(v, 'id') : null, v]);
  // An account with no VMs may come back without the key, or with null / [].
  if (vms === undefined || vms === null) return [];
  throw new Error('list response "virtualmachines" is neither an object nor an array');
}

/** A VM object; the id comes from the list key (VM objects carry none) or the `server` we asked for. */
export function parseV0Instance(id: string | null, raw: unknown): ProviderInstance | null {
  if (!isRecord(raw)) return null;
  const vmId = id ?? readString(raw, 'id');
  if (vmId === null || vmId.trim() === '') return null;
  const specs = isRecord(raw['specs']) ? raw['specs'] : {};
  const gpu = isRecord(specs['gpu']) ? specs['gpu'] : {};
  const amount = toNumber(gpu['amount']);
  const pricePerHour = readPrice(raw, 'cost');
  return toTensorDockInstance({
    id: vmId,
    name: readString(raw, 'name'),
    status: raw['status'],
    gpuName: readString(gpu, 'type'),
    numGpus: amount !== null && Number.isInteger(amount) && amount >= 0 ? amount : 0,
    pricePerHour,
    // docs/providers.md: a v0 stop without disassociate_resources=true ("Stopped", as a console stop leaves it) keeps the
    // GPU reserved and billing at the running rate; only "StoppedDisassociated" (our pause) bills storage alone. So
    // savings never count such a stop, and it stays an inactive instance the delete rule applies to.
    stoppedPricePerHour: statusKey(raw['status']) === 'stopped' ? pricePerHour : null,
    // "Sat, 10 Dec 2022 21:38:19 GMT" (RFC 1123).
    createdAt: dateStringToMs(raw['timestamp_creation']),
    ssh: v0Ssh(raw),
  });
}

/** `port_forwards` maps the external port to the internal one: `{"30118":"22"}` = SSH on 30118. */
function v0Ssh(raw: Json): SshEndpoint | null {
  const host = readString(raw, 'ip_address');
  if (host === null) return null;
  const pf = raw['port_forwards'];
  // Port 0: no forward of 22 listed, so SSH_PORT (default 22) applies.
  if (!isRecord(pf) || Object.keys(pf).length === 0) return { host, port: 0 };
  for (const [external, internal] of Object.entries(pf)) {
    if (toPort(internal) === 22) {
      const port = toPort(external);
      if (port !== null) return { host, port };
    }
  }
  return null;
}
