import { describe, expect, it } from 'vitest';
import { acceleratorName, bundledAccelerator, gpuFromMachineType, gpusOf } from './gcp-machine-types';
import { gcpDiskPrice, gcpHourlyPrice } from './gcp-prices';

describe('GPU families', () => {
  it.each<[string, string | null, number]>([
    ['a2-highgpu-1g', 'A100 40GB', 1],
    ['a2-highgpu-8g', 'A100 40GB', 8],
    ['a2-megagpu-16g', 'A100 40GB', 16],
    ['a2-ultragpu-2g', 'A100 80GB', 2],
    ['a3-highgpu-8g', 'H100 80GB', 8],
    ['a3-megagpu-8g', 'H100 Mega 80GB', 8],
    ['a3-ultragpu-8g', 'H200 141GB', 8],
    ['a4-highgpu-8g', 'B200', 8],
    ['g2-standard-4', 'L4', 1],
    ['g2-standard-24', 'L4', 2],
    ['g2-standard-96', 'L4', 8],
    ['n1-standard-8', null, 0],
    ['g2-standard-5', null, 0],
  ])('%s -> %s x %d', (machineType, name, count) => {
    const gpu = gpuFromMachineType(machineType);
    expect(gpu === null ? [null, 0] : [gpu.name, gpu.count]).toEqual([name, count]);
  });

  it('attached accelerators win over the family, and unknown types keep their raw name', () => {
    expect(gpusOf('n1-standard-8', [{ type: 'nvidia-tesla-v100', count: 4 }])).toEqual({ name: 'Tesla V100', count: 4 });
    expect(gpusOf('a2-highgpu-2g', [])).toEqual({ name: 'A100 40GB', count: 2 });
    expect(gpusOf(null, [])).toBeNull();
    expect(acceleratorName('nvidia-future-9000')).toBe('nvidia-future-9000');
    expect(bundledAccelerator('a3-highgpu-4g')).toEqual({ type: 'nvidia-h100-80gb', count: 4 });
  });
});

describe('prices', () => {
  it('N1 = machine + accelerators; any unknown part makes the price unknown (never too low)', () => {
    expect(gcpHourlyPrice('n1-standard-8', [{ type: 'nvidia-tesla-t4', count: 2 }])).toBe(1.08);
    expect(gcpHourlyPrice('n1-standard-8', [{ type: 'nvidia-mystery', count: 1 }])).toBeNull();
    expect(gcpHourlyPrice('n1-custom-8-30720', [{ type: 'nvidia-tesla-t4', count: 1 }])).toBeNull();
    expect(gcpHourlyPrice('n1-custom-8-30720', [{ type: 'nvidia-tesla-t4', count: 1 }], { 'n1-custom-8-30720': 0.4 })).toBe(0.75);
    expect(gcpHourlyPrice(null, [])).toBeNull();
  });

  it('bundled shapes are priced whole, overridable', () => {
    expect(gcpHourlyPrice('a3-highgpu-8g', [{ type: 'nvidia-h100-80gb', count: 8 }])).toBe(88.4906);
    expect(gcpHourlyPrice('a3-megagpu-8g', [])).toBeNull();
    expect(gcpHourlyPrice('a3-megagpu-8g', [], { 'a3-megagpu-8g': 90 })).toBe(90);
  });

  it('estimates the disk cost of a stopped VM', () => {
    expect(gcpDiskPrice([100, 100])).toBe(0.0274);
    expect(gcpDiskPrice([])).toBeNull();
  });
});
