// End to end with real processes, as the user tried it: the built controller (serve) with the Vast.ai fake and
// three real agents on the fake nvidia-smi replaying real captures of an RTX 2080 SUPER: two video encodes (drivers
// 595 and 610: SM 8 %, NVENC 100 %, two encoder sessions) and one idle card with every engine at 0. Only the idle one
// is paused; explain says which engine kept the others. Timings compressed: a 6-second window, a cycle every second.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VastFake } from '../../controller/src/fake-world/vast-fake';
import { capturePath, fakeGpuOf, loadCaptureSections } from '../fixtures/captures';
import { CLI } from '../helpers/build';
import { waitFor } from '../helpers/in-process-controller';
import { spawnAgent } from '../helpers/spawn-agent';
import { getJson, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { agentOnlyInstance, COMPRESSED_TIMINGS, startVastRig, stopVastRig } from '../helpers/vast-rig';

const run = promisify(execFile);
let vast: VastFake;
let controller: SpawnedController;
let tmp: ReturnType<typeof makeTempDir>;

const section = (driver: string, phase: 'idle' | 'load') => loadCaptureSections().find((s) => s.file.includes(`2080-super__${driver}`) && s.phase === phase)!;

beforeAll(async () => {
  tmp = makeTempDir('co-e2e-engines-');
  ({ vast, controller } = await startVastRig({
    dataDir: tmp.path,
    transitionMs: 200,
    instances: [
      agentOnlyInstance({ id: 801, label: 'transcode-595' }),
      agentOnlyInstance({ id: 802, label: 'transcode-610' }),
      agentOnlyInstance({ id: 803, label: 'idle-2080' }),
    ],
    env: COMPRESSED_TIMINGS,
  }));
});

afterAll(() => stopVastRig({ controller, vast, tmp }));

const api = <T>(path: string) => getJson<T>(controller.url + path, controller.adminHeaders());
const explain = async (id: string) =>
  (await run(process.execPath, [CLI, 'explain', id, '--url', controller.url], { env: { PATH: process.env.PATH ?? '', ADMIN_TOKEN: controller.adminToken } }))
    .stdout;

describe('every engine counts, end to end', () => {
  it('never pauses the NVENC encodes (SM 8 %), pauses the all-zero idle card, and says which engine kept each', async () => {
    const agents = [
      ['vast:801', section('595', 'load')],
      ['vast:802', section('610', 'load')],
      ['vast:803', section('595', 'idle')],
    ] as const;
    const spawned = [];
    for (const [id, s] of agents) {
      spawned.push(
        spawnAgent({
          controllerWsUrl: controller.wsUrl,
          token: await controller.mintToken(id),
          dir: tmp.path,
          name: id.replace(':', '-'),
          state: { capture: capturePath(s.file), gpus: [fakeGpuOf(s)] },
        }),
      );
    }

    await waitFor(
      async () =>
        (await api<{ instanceId: string; kind: string; status: string }[]>('/api/actions')).some(
          (x) => x.instanceId === 'vast:803' && x.kind === 'pause' && x.status === 'succeeded',
        ),
      60_000,
      'a succeeded pause of vast:803',
    );
    // The encodes had the same window and as many samples: each is kept, by its encoder, with enough samples to act on.
    for (const id of ['vast:801', 'vast:802']) {
      const text = await waitFor(
        async () => {
          const t = await explain(id);
          return /decision:\s+KEEP \[busy\]/.test(t) && /\[ok\] min-samples/.test(t) ? t : false;
        },
        30_000,
        `a KEEP [busy] decision for ${id} with enough samples in the window`,
      );
      expect(text).toContain('kept: encoder 100 % on GPU 0');
      expect(text).toMatch(/last sample:\s+SM 8 %, encoder 100 % on GPU 0, decoder 0 %, JPEG 0 %, optical flow 0 %, encoder sessions 2 on GPU 0/);
    }
    const actions = await api<{ instanceId: string }[]>('/api/actions');
    expect(actions.filter((a) => a.instanceId !== 'vast:803')).toEqual([]);
    expect(vast.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual(['/api/v0/instances/803/']);
    expect(vast.instances.get(801)!['intended_status']).toBe('running');
    expect(vast.instances.get(802)!['intended_status']).toBe('running');

    // The status API: util stays SM; the engines and the temperature beside it.
    const status = await api<{ instances: { id: string; lastSample: { util: number; tempC: number; engines: Record<string, { max: number }> } }[] }>(
      '/api/status',
    );
    const enc = status.instances.find((i) => i.id === 'vast:801')!.lastSample;
    expect(enc.util).toBe(8);
    expect(enc.engines['enc']!.max).toBe(100);
    expect(enc.engines['encSessions']!.max).toBe(2);
    expect(enc.tempC).toBe(45);
    const metrics = await (await fetch(`${controller.url}/metrics`, { headers: controller.adminHeaders() })).text();
    expect(metrics).toMatch(/cost_optimizer_instance_gpu_engine_utilization_percent\{instance="vast:801",provider="vast",engine="encoder"\} 100/);
    expect(metrics).toMatch(/cost_optimizer_instance_gpu_temperature_celsius\{instance="vast:801",provider="vast"\} 45/);
    for (const a of spawned) await a.stop();
  });
});
