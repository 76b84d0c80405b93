// Runs the built agent (dist/agent.js) as a real process against a controller, with the fake nvidia-smi driven by
// a JSON state file. Every agent started here is killed by killAllAgents().
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { FAKE_NVIDIA_SMI, type FakeState, writeFakeState } from '../../controller/src/fake-world/fake-nvidia-smi';
import { AGENT } from './build';
import { fakeHostProc } from './fake-host-proc';

export interface SpawnedAgent {
  proc: ChildProcess;
  statePath: string;
  output(): string;
  setGpus(state: FakeState): void;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

export function spawnAgent(opts: {
  controllerWsUrl: string;
  token: string;
  dir: string;
  name: string;
  env?: Record<string, string>;
  state?: FakeState;
}): SpawnedAgent {
  const statePath = join(opts.dir, `${opts.name}.gpu.json`);
  writeFakeState(statePath, opts.state ?? { gpus: [{ util: 0 }, { util: 0 }] });
  // A quiet host of its own: the test machine's CPU, disks and network (other tests, builds) must not keep it busy,
  // nor the machine's own inhibitions. Tests about host activity pass HOST_PROC / HOST_SYS / AGENT_INHIBIT_DIR.
  const host = fakeHostProc(join(opts.dir, `${opts.name}.host`));
  const proc = spawn(process.execPath, [AGENT], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      CONTROLLER_URL: opts.controllerWsUrl,
      AGENT_TOKEN: opts.token,
      NVIDIA_SMI: FAKE_NVIDIA_SMI,
      FAKE_NVIDIA_SMI_STATE: statePath,
      SAMPLE_INTERVAL_MS: '100',
      REPORT_INTERVAL_MS: '300',
      // Test hosts have no terminal of their own: the machine's (other tests type into theirs) must not keep them.
      TERMINALS_DIR: join(opts.dir, 'no-terminals'),
      LOG_LEVEL: 'info',
      HOST_PROC: host.proc,
      HOST_SYS: host.sys,
      AGENT_INHIBIT_DIR: join(opts.dir, `${opts.name}.inhibit`),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    proc,
    statePath,
    output: () => out,
    setGpus: (state) => writeFakeState(statePath, state),
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

export function killAllAgents(): void {
  for (const p of running) p.kill('SIGKILL');
  running.clear();
}
