// What nvidia-smi prints or exits with when the GPU cannot be read at all (driver not loaded, NVML missing, GPU lost):
// one list for the line parser (nvidia-smi/parse.ts), the agent's reader and the controller's SSH fallback, so they
// never disagree. Such a host is unknown, never idle.

/** Messages nvidia-smi prints on stdout or stderr when the driver or the GPU is unreachable. */
export const DRIVER_FAILURE_TEXT =
  /couldn't communicate with the nvidia driver|nvidia-smi has failed|driver\/library version mismatch|no devices were found|unable to determine the device handle|gpu is lost|fallen off the bus/i;

/** nvidia-smi(1), RETURN VALUE: the exit statuses that mean the driver or the GPU is unreachable. */
export const DRIVER_FAILURE_EXITS: Readonly<Record<number, string>> = Object.freeze({
  9: 'NVIDIA driver is not loaded',
  12: 'NVML shared library could not be found',
  14: 'infoROM is corrupted',
  15: 'GPU has fallen off the bus',
});

/** The meaning of a driver-failure exit status, or null for any other status. */
export function driverFailureExit(code: number | null): string | null {
  return code === null ? null : (DRIVER_FAILURE_EXITS[code] ?? null);
}
