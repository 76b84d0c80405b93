import { describe, expect, it } from 'vitest';
import { DRIVER_FAILURE_TEXT, driverFailureExit } from './nvidia-smi-failure';

describe('nvidia-smi driver failures', () => {
  it.each([
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
    'Failed to initialize NVML: Driver/library version mismatch',
    'No devices were found',
    'Unable to determine the device handle for GPU0000:65:00.0: GPU is lost.  Reboot the system to recover this GPU',
    'Unable to determine the device handle for GPU 0000:3B:00.0: Unknown Error',
    'GPU 00000000:65:00.0: GPU has fallen off the bus.',
  ])('recognizes %s', (line) => {
    expect(DRIVER_FAILURE_TEXT.test(line)).toBe(true);
  });

  it('does not take a reading or an unrelated error for one', () => {
    expect(DRIVER_FAILURE_TEXT.test('0, GPU-1, NVIDIA H100 80GB HBM3, 3, 0, 81559, 41, 69.85')).toBe(false);
    expect(DRIVER_FAILURE_TEXT.test('bash: nvidia-smi: command not found')).toBe(false);
  });

  it('knows the exit statuses of nvidia-smi(1) that mean the GPU is unreachable', () => {
    expect([9, 12, 14, 15].map(driverFailureExit).every((m) => typeof m === 'string')).toBe(true);
    expect(driverFailureExit(0)).toBeNull();
    expect(driverFailureExit(1)).toBeNull();
    expect(driverFailureExit(null)).toBeNull();
  });
});
