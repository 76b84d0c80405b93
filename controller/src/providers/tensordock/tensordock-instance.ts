// Builds the normalized ProviderInstance from the fields both TensorDock APIs share once each parser has read them.
import { isIP } from 'node:net';
import type { ProviderInstance, SshEndpoint } from '../../domain/instance';
import { tensordockState } from './tensordock-state';

export interface TensorDockFields {
  id: string;
  name: string | null;
  status: unknown;
  gpuName: string | null;
  numGpus: number;
  pricePerHour: number | null;
  createdAt: number | null;
  ssh: SshEndpoint | null;
  /** What it costs while stopped, where the API tells (v0 "Stopped" keeps the GPU reserved at the running rate). */
  stoppedPricePerHour?: number | null;
}

export function toTensorDockInstance(f: TensorDockFields): ProviderInstance {
  return {
    id: `tensordock:${f.id}`,
    provider: 'tensordock',
    providerId: f.id,
    name: f.name ?? f.id,
    state: tensordockState(f.status),
    rawState: typeof f.status === 'string' ? f.status : f.status === undefined || f.status === null ? 'null' : JSON.stringify(f.status),
    gpuName: f.gpuName,
    numGpus: f.numGpus,
    pricePerHour: f.pricePerHour,
    // Neither API reports the storage rate of a VM stopped with its GPU released.
    stoppedPricePerHour: f.stoppedPricePerHour ?? null,
    createdAt: f.createdAt,
    ssh: f.ssh,
    labels: {},
    providerUtil: null,
    // The SSH host TensorDock lists is the VM's own IP address (ip_address / ipAddress).
    publicAddress: f.ssh !== null && isIP(f.ssh.host) !== 0 ? f.ssh.host : null,
  };
}

/** TensorDock ids are UUIDs; also accepts the `tensordock:` prefix. Returns null when it is not a plausible id. */
export function tensordockId(providerId: string): string | null {
  const id = String(providerId).replace(/^tensordock:/, '');
  return /^[A-Za-z0-9-]{1,100}$/.test(id) ? id : null;
}
