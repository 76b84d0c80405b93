// Builds realistic Compute Engine instance resources for the GCP fake, unit tests, the demo and the fleet simulator.
export type GcpRawInstance = Record<string, unknown> & { name: string; status: string; zone: string };

export const GCP_API_BASE = 'https://www.googleapis.com/compute/v1';

export interface GcpSeed {
  name?: string;
  zone?: string;
  project?: string;
  machineType?: string;
  status?: string;
  /** Attached accelerators (N1 style); bundled families (a2/a3/g2) get theirs added like the real API does. */
  accelerators?: { type: string; count: number }[];
  labels?: Record<string, string>;
  natIP?: string | null;
  diskSizeGb?: number;
  creationTimestamp?: string;
  raw?: Record<string, unknown>;
}

let counter = 0;
const BUNDLED: [RegExp, string][] = [
  [/^a2-(?:high|mega)gpu-(\d+)g$/, 'nvidia-tesla-a100'],
  [/^a2-ultragpu-(\d+)g$/, 'nvidia-a100-80gb'],
  [/^a3-highgpu-(\d+)g$/, 'nvidia-h100-80gb'],
];

/** A realistic Compute Engine instance resource (camelCase JSON, full URLs for zone/machineType/acceleratorType). */
export function gcpInstance(seed: GcpSeed = {}): GcpRawInstance {
  counter++;
  const project = seed.project ?? 'test-project';
  const zone = seed.zone ?? 'us-central1-a';
  const name = seed.name ?? `gpu-vm-${counter}`;
  const machineType = seed.machineType ?? 'n1-standard-8';
  const status = seed.status ?? 'RUNNING';
  let accelerators = seed.accelerators ?? (machineType.startsWith('n1-') ? [{ type: 'nvidia-tesla-t4', count: 1 }] : []);
  for (const [re, type] of BUNDLED) {
    const m = re.exec(machineType);
    if (m && accelerators.length === 0) accelerators = [{ type, count: Number(m[1]) }];
  }
  const zoneUrl = `${GCP_API_BASE}/projects/${project}/zones/${zone}`;
  const natIP = seed.natIP === undefined ? (status === 'RUNNING' ? `34.123.${counter % 250}.${(counter * 7) % 250}` : null) : seed.natIP;
  return {
    kind: 'compute#instance',
    id: String(4_000_000_000_000_000_000n + BigInt(counter)),
    creationTimestamp: seed.creationTimestamp ?? '2024-05-01T10:00:00.000-07:00',
    name,
    tags: { fingerprint: '42WmSpB8rSM=' },
    machineType: `${zoneUrl}/machineTypes/${machineType}`,
    status,
    zone: zoneUrl,
    canIpForward: false,
    networkInterfaces: [
      {
        kind: 'compute#networkInterface',
        network: `${GCP_API_BASE}/projects/${project}/global/networks/default`,
        networkIP: `10.128.0.${counter % 250}`,
        name: 'nic0',
        accessConfigs: [{ kind: 'compute#accessConfig', type: 'ONE_TO_ONE_NAT', name: 'External NAT', networkTier: 'PREMIUM', ...(natIP ? { natIP } : {}) }],
        stackType: 'IPV4_ONLY',
      },
    ],
    disks: [
      {
        kind: 'compute#attachedDisk',
        type: 'PERSISTENT',
        mode: 'READ_WRITE',
        source: `${zoneUrl}/disks/${name}`,
        deviceName: 'persistent-disk-0',
        index: 0,
        boot: true,
        autoDelete: true,
        interface: 'SCSI',
        diskSizeGb: String(seed.diskSizeGb ?? 200),
      },
    ],
    guestAccelerators: accelerators.map((a) => ({ acceleratorType: `${zoneUrl}/acceleratorTypes/${a.type}`, acceleratorCount: a.count })),
    scheduling: { onHostMaintenance: 'TERMINATE', automaticRestart: true, preemptible: false, provisioningModel: 'STANDARD' },
    labels: seed.labels ?? {},
    lastStartTimestamp: '2024-05-01T10:00:30.000-07:00',
    selfLink: `${zoneUrl}/instances/${name}`,
    cpuPlatform: 'Intel Cascade Lake',
    fingerprint: 'aBcDeFgHiJk=',
    ...(seed.raw ?? {}),
  };
}
