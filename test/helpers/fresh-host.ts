// A fresh GPU host for install-line tests: an installer root (test/helpers/install-host.ts) whose PATH has the fake
// nvidia-smi replaying a busy GPU, and a runner that pastes a printed install line with only --prefix/--init added.
import { execFile } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FAKE_NVIDIA_SMI, writeFakeState } from '../../controller/src/fake-world/fake-nvidia-smi';
import { makeRoot, tempDir } from './install-host';

export interface FreshHost {
  root: string;
  /** Temporary directories to remove afterwards (the root included). */
  dirs: string[];
  env: Record<string, string>;
}

export function freshHost(extraEnv: Record<string, string> = {}): FreshHost {
  const root = makeRoot();
  const bin = tempDir('co-line-bin-');
  symlinkSync(FAKE_NVIDIA_SMI, join(bin, 'nvidia-smi'));
  const state = join(bin, 'gpu.json');
  writeFakeState(state, { gpus: [{ util: 80 }] });
  return {
    root,
    dirs: [root, bin],
    env: {
      PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
      HOME: '/root',
      FAKE_NVIDIA_SMI_STATE: state,
      SAMPLE_INTERVAL_MS: '100',
      REPORT_INTERVAL_MS: '500',
      ...extraEnv,
    },
  };
}

/**
 * Runs the line as pasted into a shell, with `--prefix <root> --init none` appended: the test root instead of /,
 * and the no-init supervisor (this machine's init is not ours to change).
 */
export function runLine(line: string, host: FreshHost): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/dash', ['-c', `${line} --prefix ${host.root} --init none`], { env: host.env, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: stdout + stderr }),
    );
  });
}
