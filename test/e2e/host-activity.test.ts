// End to end: work the GPU cannot see keeps a GPU-idle instance. The built controller with the Vast.ai fake and real
// agents on an idle fake GPU, each reading its own stand-in /proc (HOST_PROC, HOST_SYS): one receiving 60 MB/s on
// eth0, one whose 60 MB/s are only on lo, one inside `cost-optimizer-agent inhibit -- sleep`. Compressed timings. The
// loopback one is paused; the other two are kept (explain says why) until the transfer stops and the command ends.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VastFake } from '../../controller/src/fake-world/vast-fake';
import { AGENT, CLI } from '../helpers/build';
import { fakeHostProc } from '../helpers/fake-host-proc';
import { waitFor } from '../helpers/in-process-controller';
import { spawnAgent } from '../helpers/spawn-agent';
import { getJson, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { agentOnlyInstance, COMPRESSED_TIMINGS, startVastRig, stopVastRig } from '../helpers/vast-rig';

const run = promisify(execFile);
let vast: VastFake;
let controller: SpawnedController;
const tmp = makeTempDir('co-e2e-host-');

beforeAll(async () => {
  ({ vast, controller } = await startVastRig({
    dataDir: tmp.path,
    transitionMs: 200,
    instances: [
      agentOnlyInstance({ id: 921, label: 'dataset-download' }),
      agentOnlyInstance({ id: 922, label: 'loopback-only' }),
      agentOnlyInstance({ id: 923, label: 'inhibited' }),
    ],
    env: { ...COMPRESSED_TIMINGS, PAUSE_WINDOW_MINUTES: '0.25' },
  }));
});

afterAll(async () => {
  await stopVastRig({ controller, vast, tmp });
});

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

describe('work the GPU cannot see', () => {
  it('a transfer on eth0 and an inhibit keep idle GPUs; loopback traffic does not; each is paused once its work ends', async () => {
    const idleGpu = { gpus: [{ util: 1 }] };
    const download = fakeHostProc(join(tmp.path, 'download'));
    const loopback = fakeHostProc(join(tmp.path, 'loopback'));
    const quiet = fakeHostProc(join(tmp.path, 'quiet'));
    download.transfer('eth0', 60);
    loopback.transfer('lo', 60);
    const inhibitDir = join(tmp.path, 'inhibit');
    mkdirSync(inhibitDir);

    // The inhibitor first: `inhibit -- sleep 40` run as any user would (it reads the real /proc for its command).
    const inhibitor = spawn(process.execPath, [AGENT, 'inhibit', '--why', 'dataset download', '--', 'sleep', '40'], {
      env: { PATH: process.env.PATH ?? '', AGENT_INHIBIT_DIR: inhibitDir },
      stdio: 'ignore',
    });
    const inhibitorDone = new Promise<number | null>((resolve) => inhibitor.once('exit', (code) => resolve(code)));
    const entry = await waitFor(() => readdirSync(inhibitDir).find((n) => /^\d+-\d+\.json$/.test(n)), 10_000, 'the inhibit entry');
    const sleepPid = Number(entry.split('-')[0]);
    quiet.showPid(sleepPid); // the agent reads the inhibitor's start time through its HOST_PROC

    for (const [id, name, host] of [
      ['vast:921', 'download', download],
      ['vast:922', 'loopback', loopback],
      ['vast:923', 'inhibited', quiet],
    ] as const) {
      spawnAgent({
        controllerWsUrl: controller.wsUrl,
        token: await controller.mintToken(id),
        dir: tmp.path,
        name,
        state: idleGpu,
        env: { HOST_PROC: host.proc, HOST_SYS: host.sys, AGENT_INHIBIT_DIR: inhibitDir },
      });
    }

    await waitFor(async () => (await pausedIds()).includes('vast:922'), 60_000, 'the loopback-only instance paused');
    expect(await pausedIds()).toEqual(['vast:922']);
    const kept = await waitFor(
      async () => {
        const t = await explainText('vast:923');
        return t.includes("inhibited by 'dataset download'") && t;
      },
      15_000,
      'explain of vast:923 names the inhibition',
    );
    expect(kept).toMatch(new RegExp(`kept: inhibited by 'dataset download' \\(pid ${sleepPid}, for [\\d.]+ (s|min)\\)`));
    const net = await explainText('vast:921');
    expect(net).toMatch(/kept: network \d+ MB\/s \(busy at 1 MB\/s\)/);

    // The command ends: inhibit exits with its status and the instance is paused after a window of idle.
    expect(await inhibitorDone).toBe(0);
    expect(await pausedIds()).not.toContain('vast:923');
    await waitFor(async () => (await pausedIds()).includes('vast:923'), 60_000, 'the inhibited instance paused after the command ended');
    // The transfer stops: paused too.
    expect(await pausedIds()).not.toContain('vast:921');
    download.stop();
    await waitFor(async () => (await pausedIds()).includes('vast:921'), 60_000, 'the download instance paused once the transfer stopped');
    expect(vast.instances.get(921)!['intended_status']).toBe('stopped');
  }, 240_000);
});
