// Compute Engine instance JSON (camelCase, as @google-cloud/compute decodes it) -> ProviderInstance.
import type { InstanceState, ProviderInstance, SshEndpoint } from '../../domain/instance';
import { dateStringToMs, isRecord, type Json, readLabels, readString, toNumber } from '../parse-helpers';
import { gpusOf } from './gcp-machine-types';
import { gcpDiskPrice, gcpHourlyPrice, gcpSpotPrice } from './gcp-prices';

/**
 * Compute Engine statuses (docs/providers.md): a stopped VM reports TERMINATED; SUSPENDED keeps memory on disk and
 * bills no GPU either, so both read as stopped. REPAIRING (host failure being fixed) is on its way back up.
 */
const STATES: Record<string, InstanceState> = {
  RUNNING: 'running',
  PROVISIONING: 'starting',
  STAGING: 'starting',
  REPAIRING: 'starting',
  PENDING: 'starting',
  STOPPING: 'stopping',
  SUSPENDING: 'stopping',
  DEPROVISIONING: 'stopping',
  STOPPED: 'stopped',
  TERMINATED: 'stopped',
  SUSPENDED: 'stopped',
};

export function gcpState(status: unknown): InstanceState {
  return typeof status === 'string' ? (STATES[status.toUpperCase()] ?? 'unknown') : 'unknown';
}

/** Last path segment of a Compute Engine URL (`.../zones/us-central1-a` -> `us-central1-a`); plain names pass through. */
export function lastSegment(v: unknown): string | null {
  if (typeof v !== 'string' || v.trim() === '') return null;
  const seg = v.replace(/\/+$/, '').split('/').pop();
  return seg === undefined || seg === '' ? null : seg;
}

function accelerators(raw: Json): { type: string; count: number }[] {
  const list = raw['guestAccelerators'];
  if (!Array.isArray(list)) return [];
  const out: { type: string; count: number }[] = [];
  for (const a of list) {
    if (!isRecord(a)) continue;
    const type = lastSegment(a['acceleratorType']);
    const count = toNumber(a['acceleratorCount']);
    if (type !== null && count !== null && Number.isInteger(count) && count > 0) out.push({ type, count });
  }
  return out;
}

/** The first external (NAT) address, port 0 (= SSH_PORT). TERMINATED VMs lose ephemeral addresses, so often null. */
function natSsh(raw: Json): SshEndpoint | null {
  const nics = raw['networkInterfaces'];
  if (!Array.isArray(nics)) return null;
  for (const nic of nics) {
    if (!isRecord(nic) || !Array.isArray(nic['accessConfigs'])) continue;
    for (const ac of nic['accessConfigs']) {
      if (isRecord(ac)) {
        const ip = readString(ac, 'natIP');
        // Port 0: the provider names no port, so SSH_PORT (default 22) applies.
        if (ip !== null) return { host: ip, port: 0 };
      }
    }
  }
  return null;
}

function diskSizes(raw: Json): number[] {
  const disks = raw['disks'];
  if (!Array.isArray(disks)) return [];
  return disks.flatMap((d) => {
    const gb = isRecord(d) ? toNumber(d['diskSizeGb']) : null;
    return gb !== null && gb > 0 ? [gb] : [];
  });
}

/**
 * One instance. `zoneHint` comes from the aggregated-list scope (`zones/us-central1-a`) or the zone asked for, and
 * is used when the object lacks `zone`. Returns null without a name or zone (no id could address it).
 */
export function parseGcpInstance(raw: unknown, zoneHint: string | null, prices: Readonly<Record<string, number>> = {}): ProviderInstance | null {
  if (!isRecord(raw)) return null;
  const name = readString(raw, 'name');
  const zone = lastSegment(raw['zone']) ?? (zoneHint === null ? null : lastSegment(zoneHint));
  if (name === null || zone === null) return null;
  const machineType = lastSegment(raw['machineType']);
  const accels = accelerators(raw);
  const gpus = gpusOf(machineType, accels);
  const status = raw['status'];
  return {
    id: `gcp:${zone}/${name}`,
    provider: 'gcp',
    providerId: `${zone}/${name}`,
    name,
    state: gcpState(status),
    rawState: typeof status === 'string' && status !== '' ? status : 'null',
    gpuName: gpus?.name ?? null,
    numGpus: gpus?.count ?? 0,
    pricePerHour: isSpot(raw) ? gcpSpotPrice(machineType, prices) : gcpHourlyPrice(machineType, accels, prices),
    // Stopped VMs pay no vCPU/GPU/memory, only disks and static IPs (docs/providers.md); the disk part is estimated.
    stoppedPricePerHour: gcpDiskPrice(diskSizes(raw)),
    createdAt: dateStringToMs(raw['creationTimestamp']),
    ssh: natSsh(raw),
    labels: readLabels(raw['labels']),
    providerUtil: null,
    publicAddress: natSsh(raw)?.host ?? null,
  };
}

/** `scheduling{provisioningModel, preemptible}` (docs/providers.md): a Spot or preemptible VM. */
function isSpot(raw: Record<string, unknown>): boolean {
  const s = raw['scheduling'];
  return isRecord(s) && (s['provisioningModel'] === 'SPOT' || s['preemptible'] === true);
}

/** `zone/name` (with or without `gcp:`) -> parts; null when it does not look like one. */
export function parseGcpProviderId(providerId: string): { zone: string; name: string } | null {
  const m = /^(?:gcp:)?([a-z][a-z0-9-]{0,62})\/([a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)$/.exec(String(providerId));
  return m ? { zone: m[1]!, name: m[2]! } : null;
}
