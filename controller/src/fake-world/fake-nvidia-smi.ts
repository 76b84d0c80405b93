// Helpers to run the fake nvidia-smi (controller/src/fake-world/nvidia-smi) as a real child process: the demo and tests.
//
// The fake reads the JSON state file named by env FAKE_NVIDIA_SMI_STATE before every tick, so a test changes what the
// "GPU" reports while the agent (or an SSH poll) is running: point NVIDIA_SMI at FAKE_NVIDIA_SMI, pass
// `FAKE_NVIDIA_SMI_STATE: <path>` in the child's env, then call writeFakeState(path, {...}) whenever the GPU should
// change. Format (all fields optional; no file: one idle H100):
//   { mode: 'ok' | 'driver-fail' | 'exit' | 'garbage' | 'na' | 'hang',
//     gpus: [{ name, uuid?, util (null = [N/A]), memUsed, memTotal, temp, power, enc?, dec?, jpeg?, ofa?, encSessions? }],
//     procs: number, exitCode?: number, capture?: string, driverLacks?: string[] }
// Env FAKE_NVIDIA_SMI_SPAWN_LOG=<file>: the fake appends "<pid> <args...>" per start; countFakeSpawns() reads it.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the executable fake. */
export const FAKE_NVIDIA_SMI = resolve(dirname(fileURLToPath(import.meta.url)), 'nvidia-smi');

/** What the fake does on each tick. */
export type FakeMode = 'ok' | 'driver-fail' | 'exit' | 'garbage' | 'na' | 'hang';

export interface FakeGpu {
  name?: string;
  /** Default GPU-00000000-0000-0000-0000-<index as 12 digits>. */
  uuid?: string;
  /** Percent; null prints [N/A]. */
  util?: number | null;
  memUsed?: number;
  memTotal?: number;
  temp?: number;
  power?: number;
  /** Engine utilization in percent (NVENC, NVDEC, NVJPG, optical flow); default 0; null prints [N/A]. */
  enc?: number | null;
  dec?: number | null;
  jpeg?: number | null;
  ofa?: number | null;
  /** Open encoder sessions; default 0; null prints [N/A]. */
  encSessions?: number | null;
}

export interface FakeState {
  mode?: FakeMode;
  gpus?: FakeGpu[];
  /** Compute processes listed by --query-compute-apps, spread over the GPUs. */
  procs?: number;
  /** Exit status for mode 'exit' (default 1). */
  exitCode?: number;
  /** Full path of a capture file whose driver's field list the fake answers and accepts; without one, its built-in list. */
  capture?: string;
  /** Fields that driver lacks (an older driver): not listed, and refused in a query. */
  driverLacks?: string[];
}

/** Real-capture values of an idle H100 80GB HBM3 (driver 590.48.01). */
export const IDLE_H100: Required<Omit<FakeGpu, 'uuid' | 'enc' | 'dec' | 'jpeg' | 'ofa' | 'encSessions'>> = {
  name: 'NVIDIA H100 80GB HBM3',
  util: 0,
  memUsed: 0,
  memTotal: 81559,
  temp: 41,
  power: 69.85,
};

/** Real-capture values of an H100 under gpu-burn. */
export const BUSY_H100: Required<Omit<FakeGpu, 'uuid' | 'enc' | 'dec' | 'jpeg' | 'ofa' | 'encSessions'>> = {
  name: 'NVIDIA H100 80GB HBM3',
  util: 100,
  memUsed: 19818,
  memTotal: 81559,
  temp: 59,
  power: 631.95,
};

/** Write the state atomically (temp file + rename) so the fake never reads half a file. */
export function writeFakeState(path: string, state: FakeState): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, path);
}

/** Starts recorded in a FAKE_NVIDIA_SMI_SPAWN_LOG file (0 when it does not exist yet). */
export function countFakeSpawns(logPath: string): number {
  if (!existsSync(logPath)) return 0;
  return readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '').length;
}
