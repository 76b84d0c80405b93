// A small built-in table of Compute Engine on-demand prices ($/hour, us-central1), overridable by GCP_PRICES.
//
// Compute Engine instance JSON carries no price (docs/providers.md). These figures are approximate public list prices
// for the common GPU shapes; regions, spot/preemptible VMs and committed-use discounts differ, so a site that cares
// should set GCP_PRICES=machineOrAcceleratorType=usdPerHour,... Unknown shapes get null (unknown), never 0.
import { bundledAccelerator } from './gcp-machine-types';

/** Whole-VM price for machine types that bundle their GPUs; vCPU+memory price for N1 (GPUs priced separately). */
export const GCP_MACHINE_PRICES: Readonly<Record<string, number>> = {
  'a2-highgpu-1g': 3.6731,
  'a2-highgpu-2g': 7.3462,
  'a2-highgpu-4g': 14.6924,
  'a2-highgpu-8g': 29.3848,
  'a2-megagpu-16g': 55.7397,
  'a2-ultragpu-1g': 5.0688,
  'a2-ultragpu-2g': 10.1376,
  'a2-ultragpu-4g': 20.2752,
  'a2-ultragpu-8g': 40.5504,
  'a3-highgpu-1g': 11.0613,
  'a3-highgpu-2g': 22.1227,
  'a3-highgpu-4g': 44.2453,
  'a3-highgpu-8g': 88.4906,
  'g2-standard-4': 0.7068,
  'g2-standard-8': 0.8536,
  'g2-standard-12': 1.0005,
  'g2-standard-16': 1.1474,
  'g2-standard-24': 2.001,
  'g2-standard-32': 1.7344,
  'g2-standard-48': 4.002,
  'g2-standard-96': 8.004,
  'n1-standard-1': 0.0475,
  'n1-standard-2': 0.095,
  'n1-standard-4': 0.19,
  'n1-standard-8': 0.38,
  'n1-standard-16': 0.76,
  'n1-standard-32': 1.52,
  'n1-standard-64': 3.04,
  'n1-standard-96': 4.56,
  'n1-highmem-2': 0.1184,
  'n1-highmem-4': 0.2368,
  'n1-highmem-8': 0.4736,
  'n1-highmem-16': 0.9472,
  'n1-highmem-32': 1.8944,
};

/** Per GPU per hour, for accelerators attached to N1 VMs. */
export const GCP_ACCELERATOR_PRICES: Readonly<Record<string, number>> = {
  'nvidia-tesla-t4': 0.35,
  'nvidia-tesla-p4': 0.6,
  'nvidia-tesla-p100': 1.46,
  'nvidia-tesla-v100': 2.48,
  'nvidia-tesla-k80': 0.45,
};

/** pd-balanced list price, $/GB/month, used to estimate what a stopped VM's disks cost. */
const DISK_USD_PER_GB_MONTH = 0.1;
const HOURS_PER_MONTH = 730;

function lookup(table: Readonly<Record<string, number>>, overrides: Readonly<Record<string, number>>, key: string): number | null {
  const v = overrides[key] ?? table[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

/**
 * $/hour while running. Bundled-GPU machine types (A2/A3/G2...) are priced whole: their guestAccelerators are part
 * of the machine price and are not added again. Other machine types add each attached accelerator; any unknown part
 * makes the whole price unknown rather than too low.
 */
export function gcpHourlyPrice(
  machineType: string | null,
  accelerators: { type: string; count: number }[],
  overrides: Readonly<Record<string, number>> = {},
): number | null {
  if (machineType === null) return null;
  const machine = lookup(GCP_MACHINE_PRICES, overrides, machineType);
  if (machine === null) return null;
  if (bundledAccelerator(machineType) !== null) return machine;
  let total = machine;
  for (const a of accelerators) {
    if (a.count <= 0) continue;
    const each = lookup(GCP_ACCELERATOR_PRICES, overrides, a.type);
    if (each === null) return null;
    total += each * a.count;
  }
  return Math.round(total * 1e4) / 1e4;
}

/**
 * Spot and preemptible VMs cost a fraction of the list price that changes with demand, so the on-demand table would
 * overstate what pausing them saves: their price is GCP_PRICES' `spot.<machineType>` entry, else unknown (null).
 */
export function gcpSpotPrice(machineType: string | null, overrides: Readonly<Record<string, number>> = {}): number | null {
  return machineType === null ? null : lookup({}, overrides, `spot.${machineType}`);
}

/** Estimated $/hour of the attached persistent disks (what a stopped VM still pays), or null without sizes. */
export function gcpDiskPrice(diskSizesGb: number[]): number | null {
  if (diskSizesGb.length === 0) return null;
  const gb = diskSizesGb.reduce((a, b) => a + b, 0);
  return Math.round(((gb * DISK_USD_PER_GB_MONTH) / HOURS_PER_MONTH) * 1e4) / 1e4;
}
