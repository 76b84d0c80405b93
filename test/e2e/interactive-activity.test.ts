// End to end: people at the keyboard keep a GPU-idle instance. The built controller with the Vast.ai fake and three
// real agents on an idle fake GPU: one whose real pseudo-terminal is typed into every few seconds, one whose terminal
// was last touched long before the window, one whose (stand-in) Jupyter server has a busy kernel. Compressed timings:
// a 30-second pause window, a cycle every second. The untouched one is paused; the other two are kept, and `explain`
// says why; once the typing stops and the kernel goes idle for hours, they are paused too.
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeJupyter, startFakeJupyter } from '../fakes/fake-jupyter';
import type { VastFake } from '../../controller/src/fake-world/vast-fake';
import { CLI } from '../helpers/build';
import { waitFor } from '../helpers/in-process-controller';
import { openPseudoTerminal, type PseudoTerminal } from '../helpers/pseudo-terminal';
import { spawnAgent } from '../helpers/spawn-agent';
import { getJson, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { agentOnlyInstance, COMPRESSED_TIMINGS, startVastRig, stopVastRig } from '../helpers/vast-rig';

const run = promisify(execFile);
let vast: VastFake;
let controller: SpawnedController;
let jupyter: FakeJupyter;
const ptys: PseudoTerminal[] = [];
const tmp = makeTempDir('co-e2e-keys-');

beforeAll(async () => {
  ({ vast, controller } = await startVastRig({
    dataDir: tmp.path,
    transitionMs: 200,
    instances: [
      agentOnlyInstance({ id: 901, label: 'debugging-session' }),
      agentOnlyInstance({ id: 902, label: 'terminal-left-open' }),
      agentOnlyInstance({ id: 903, label: 'notebook' }),
    ],
    env: { ...COMPRESSED_TIMINGS, PAUSE_WINDOW_MINUTES: '0.5' },
  }));
});

afterAll(async () => {
  for (const p of ptys) p.close();
  await jupyter?.close();
  await stopVastRig({ controller, vast, tmp });
});

/** A terminals directory holding only this test's terminal (the machine's other terminals are not ours to read). */
async function terminalDir(name: string): Promise<{ pty: PseudoTerminal; dir: string }> {
  const pty = await openPseudoTerminal();
  ptys.push(pty);
  const dir = join(tmp.path, `${name}-pts`);
  mkdirSync(dir);
  symlinkSync(pty.path, join(dir, pty.path.split('/').pop()!));
  return { pty, dir };
}

const pausedIds = async () =>
  (await getJson<{ instanceId: string; kind: string; status: string }[]>(`${controller.url}/api/actions`, controller.adminHeaders()))
    .filter((a) => a.kind === 'pause' && a.status === 'succeeded')
    .map((a) => a.instanceId);

async function explainText(id: string): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, 'explain', id, '--url', controller.url], {
    env: { PATH: process.env.PATH ?? '', ADMIN_TOKEN: controller.adminToken },
  });
  return stdout;
}

describe('people at the keyboard', () => {
  it('recent terminal input and a busy kernel keep GPU-idle instances; an untouched terminal and an idle kernel do not', async () => {
    const typing = await terminalDir('typing');
    const untouched = await terminalDir('untouched');
    await untouched.pty.age(3600); // last keystroke an hour ago: far outside the 30 s window
    await typing.pty.type();
    const noJupyter = join(tmp.path, 'no-jupyter');
    const nbRuntime = join(tmp.path, 'jupyter-runtime');
    mkdirSync(noJupyter);
    mkdirSync(nbRuntime);
    jupyter = await startFakeJupyter({
      runtimeDir: nbRuntime,
      token: 'a3f9c2e1d4b5a6978812fedcba0123456789abcdef012345',
      kernels: [{ execution_state: 'busy', last_activity: new Date().toISOString() }],
    });

    const idleGpu = { gpus: [{ util: 1 }] };
    spawnAgent({
      controllerWsUrl: controller.wsUrl,
      token: await controller.mintToken('vast:901'),
      dir: tmp.path,
      name: 'typing',
      state: idleGpu,
      env: { TERMINALS_DIR: typing.dir, JUPYTER_RUNTIME_DIR: noJupyter },
    });
    spawnAgent({
      controllerWsUrl: controller.wsUrl,
      token: await controller.mintToken('vast:902'),
      dir: tmp.path,
      name: 'untouched',
      state: idleGpu,
      env: { TERMINALS_DIR: untouched.dir, JUPYTER_RUNTIME_DIR: noJupyter },
    });
    spawnAgent({
      controllerWsUrl: controller.wsUrl,
      token: await controller.mintToken('vast:903'),
      dir: tmp.path,
      name: 'notebook',
      state: idleGpu,
      env: { TERMINALS_DIR: join(tmp.path, 'no-terminals'), JUPYTER_RUNTIME_DIR: nbRuntime },
    });

    // Someone types every few seconds (the kernel moves a terminal's access time at most every 8 s).
    const keystrokes = setInterval(() => void typing.pty.type().catch(() => undefined), 3000);
    try {
      await waitFor(async () => (await pausedIds()).includes('vast:902'), 90_000, 'the instance with the untouched terminal paused');
      // Same idle GPU, same window, covered: only the people at the keyboard kept these two.
      expect(await pausedIds()).toEqual(['vast:902']);
      // explain shows the last cycle's decision: the agent's first (unknown) reading may still be in that cycle's
      // window, so the interactive rule is the deciding one from a cycle or two later.
      const kept = await waitFor(
        async () => {
          const t = await explainText('vast:901');
          return /decision:\s+KEEP \[interactive\]/.test(t) && t;
        },
        15_000,
        'explain of vast:901 decided by the interactive rule',
      );
      expect(kept).toMatch(/decision:\s+KEEP \[interactive\] - kept: terminal input [\d.]+ s ago/);
      expect(kept).toContain('no evidence: no Jupyter server found');
      const nb = await waitFor(
        async () => {
          const t = await explainText('vast:903');
          return /decision:\s+KEEP \[interactive\]/.test(t) && t;
        },
        15_000,
        'explain of vast:903 decided by the interactive rule',
      );
      expect(nb).toMatch(/decision:\s+KEEP \[interactive\] - kept: notebook kernel busy/);
      expect(nb).toContain('no evidence: no terminal');
      const gone = await explainText('vast:902');
      expect(gone).toMatch(/interactive:\s+no interactive input in the last 0\.5 min \(terminal input 1(\.0)? h ago; no evidence: no Jupyter server found\)/);
    } finally {
      clearInterval(keystrokes);
    }

    // The person leaves; the notebook is left on overnight with its kernel idle for hours.
    jupyter.setKernels([{ execution_state: 'idle', last_activity: new Date(Date.now() - 5 * 3_600_000).toISOString() }]);
    await waitFor(
      async () => {
        const p = await pausedIds();
        return p.includes('vast:901') && p.includes('vast:903');
      },
      120_000,
      'both paused once the input stopped',
    );
    expect(vast.instances.get(901)!['intended_status']).toBe('stopped');
    expect(vast.instances.get(903)!['intended_status']).toBe('stopped');
  }, 240_000);
});
