// GPUs of a Compute Engine VM: from guestAccelerators, or from the machine-type family that bundles them (A2, A3, A4, G2, G4).

export interface GpuInfo {
  name: string;
  count: number;
}

/** Accelerator type (last path segment of acceleratorType) -> display name. */
const ACCELERATOR_NAMES: Record<string, string> = {
  'nvidia-tesla-t4': 'Tesla T4',
  'nvidia-tesla-t4-vws': 'Tesla T4',
  'nvidia-tesla-p4': 'Tesla P4',
  'nvidia-tesla-p4-vws': 'Tesla P4',
  'nvidia-tesla-p100': 'Tesla P100',
  'nvidia-tesla-p100-vws': 'Tesla P100',
  'nvidia-tesla-v100': 'Tesla V100',
  'nvidia-tesla-k80': 'Tesla K80',
  'nvidia-tesla-a100': 'A100 40GB',
  'nvidia-a100-80gb': 'A100 80GB',
  'nvidia-l4': 'L4',
  'nvidia-l4-vws': 'L4',
  'nvidia-h100-80gb': 'H100 80GB',
  'nvidia-h100-mega-80gb': 'H100 Mega 80GB',
  'nvidia-h200-141gb': 'H200 141GB',
  'nvidia-b200': 'B200',
  'nvidia-rtx-pro-6000': 'RTX PRO 6000',
};

export function acceleratorName(type: string): string {
  return ACCELERATOR_NAMES[type] ?? type;
}

/** Families whose machine type fixes the GPU: `<prefix><N>g` means N GPUs. */
const GPU_FAMILIES: { pattern: RegExp; accelerator: string }[] = [
  { pattern: /^a2-highgpu-(\d+)g$/, accelerator: 'nvidia-tesla-a100' },
  { pattern: /^a2-megagpu-(\d+)g$/, accelerator: 'nvidia-tesla-a100' },
  { pattern: /^a2-ultragpu-(\d+)g$/, accelerator: 'nvidia-a100-80gb' },
  { pattern: /^a3-highgpu-(\d+)g$/, accelerator: 'nvidia-h100-80gb' },
  { pattern: /^a3-edgegpu-(\d+)g$/, accelerator: 'nvidia-h100-80gb' },
  { pattern: /^a3-megagpu-(\d+)g$/, accelerator: 'nvidia-h100-mega-80gb' },
  { pattern: /^a3-ultragpu-(\d+)g$/, accelerator: 'nvidia-h200-141gb' },
  { pattern: /^a4-highgpu-(\d+)g$/, accelerator: 'nvidia-b200' },
];

/** G2 (L4) and G4 (RTX PRO 6000) name vCPUs, not GPUs: the GPU count per shape comes from Google's table. */
const G2_L4_COUNT: Record<string, number> = { '4': 1, '8': 1, '12': 1, '16': 1, '32': 1, '24': 2, '48': 4, '96': 8 };
const G4_COUNT: Record<string, number> = { '48': 1, '96': 2, '192': 4, '384': 8 };

/** The accelerator type bundled with a machine type, and how many; null for machine types without bundled GPUs. */
export function bundledAccelerator(machineType: string): { type: string; count: number } | null {
  for (const f of GPU_FAMILIES) {
    const m = f.pattern.exec(machineType);
    if (m) return { type: f.accelerator, count: Number(m[1]) };
  }
  const g2 = /^g2-standard-(\d+)$/.exec(machineType);
  if (g2 && G2_L4_COUNT[g2[1]!]) return { type: 'nvidia-l4', count: G2_L4_COUNT[g2[1]!]! };
  const g4 = /^g4-standard-(\d+)$/.exec(machineType);
  if (g4 && G4_COUNT[g4[1]!]) return { type: 'nvidia-rtx-pro-6000', count: G4_COUNT[g4[1]!]! };
  return null;
}

export function gpuFromMachineType(machineType: string): GpuInfo | null {
  const b = bundledAccelerator(machineType);
  return b === null ? null : { name: acceleratorName(b.type), count: b.count };
}

/** Attached accelerators (type = last path segment) win; else the machine-type family; else no GPU. */
export function gpusOf(machineType: string | null, accelerators: { type: string; count: number }[]): GpuInfo | null {
  const attached = accelerators.filter((a) => a.count > 0);
  if (attached.length > 0) {
    return { name: acceleratorName(attached[0]!.type), count: attached.reduce((n, a) => n + a.count, 0) };
  }
  return machineType === null ? null : gpuFromMachineType(machineType);
}
