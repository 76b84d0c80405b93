// End to end with real processes: the built controller (serve) with the Vast.ai fake, two real agents on fake
// nvidia-smi, a webhook receiver. The idle instance is paused, the busy one is not; /api/actions, the webhook and
// `cost-optimizer explain` all show it. Timings compressed: a 6-second pause window, a cycle every second.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVastFake, vastInstance, type VastFake } from '../../controller/src/fakes/vast-fake';
import { CLI, ensureBuilt } from '../helpers/build';
import { waitFor } from '../helpers/in-process-controller';
import { killAllAgents, spawnAgent } from '../helpers/spawn-agent';
import { getJson, killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';

const run = promisify(execFile);
let vast: VastFake;
let hook: Server;
const hookMessages: string[] = [];
let controller: SpawnedController;
let tmp: ReturnType<typeof makeTempDir>;
let dir: string;

beforeAll(async () => {
  ensureBuilt();
  tmp = makeTempDir('co-e2e-pause-');
  dir = tmp.path;
  const now = Math.floor(Date.now() / 1000);
  vast = await startVastFake({
    transitionMs: 200,
    instances: [
      vastInstance({ id: 701, label: 'idle-notebook', startDate: now - 7200, raw: { ssh_host: null, ssh_port: null, public_ipaddr: null, ports: {} } }),
      vastInstance({ id: 702, label: 'busy-trainer', startDate: now - 7200, raw: { ssh_host: null, ssh_port: null, public_ipaddr: null, ports: {} } }),
    ],
  });
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hookMessages.push((JSON.parse(body) as { text: string }).text);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  controller = await spawnController({
    dataDir: dir,
    env: {
      VAST_API_KEY: vast.apiKey,
      VAST_API_URL: vast.url,
      WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/services/T0/B0/secret`,
      PAUSE_WINDOW_MINUTES: '0.1',
      MIN_SAMPLES: '5',
      MAX_GAP_SECONDS: '3',
      CHECK_INTERVAL: '1',
      AGENT_SILENT_SECONDS: '5',
      MIN_INSTANCE_AGE_HOURS: '0',
    },
  });
});

afterAll(async () => {
  killAllAgents();
  await controller?.stop();
  killAllControllers();
  await vast?.close();
  await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
  tmp?.cleanup();
});

const api = <T>(path: string) => getJson<T>(controller.url + path, controller.adminHeaders());

describe('optimizer end to end', () => {
  it('pauses the idle agent instance, keeps the busy one, and says why', async () => {
    // Tokens through the HTTP API; the next inventory fills the instances in.
    const idle = spawnAgent({
      controllerWsUrl: controller.wsUrl,
      token: await controller.mintToken('vast:701'),
      dir,
      name: 'idle',
      state: { gpus: [{ util: 1 }] },
    });
    const busy = spawnAgent({
      controllerWsUrl: controller.wsUrl,
      token: await controller.mintToken('vast:702'),
      dir,
      name: 'busy',
      state: { gpus: [{ util: 93 }] },
    });

    const actions = await waitFor(
      async () => {
        const list = await api<{ instanceId: string; kind: string; status: string; reason: string }[]>('/api/actions');
        return list.some((x) => x.instanceId === 'vast:701' && x.kind === 'pause' && x.status === 'succeeded') ? list : false;
      },
      60_000,
      'a succeeded pause of vast:701',
    );
    expect(actions.filter((a) => a.instanceId === 'vast:702')).toEqual([]);
    expect(vast.instances.get(701)!['intended_status']).toBe('stopped');
    expect(vast.instances.get(702)!['intended_status']).toBe('running');
    // The provider saw exactly one stop, for the idle instance.
    const puts = vast.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.path)).toEqual(['/api/v0/instances/701/']);

    const status = await api<{ instances: { id: string; state: string; metricSource: string }[] }>('/api/status');
    expect(status.instances.find((i) => i.id === 'vast:702')).toMatchObject({ state: 'running', metricSource: 'agent' });

    await waitFor(() => hookMessages.some((m) => m.startsWith(':pause_button: Paused *idle-notebook* (vast:701;')), 20_000, 'the webhook message');
    expect(hookMessages.some((m) => m.includes('vast:702'))).toBe(false);
    expect(controller.output()).toMatch(
      /PAUSE: vast:701 \(RTX 4090\) - GPU avg=[\d.]+% max=[\d.]+% over 0\.1 min, \d+ samples from agent \(threshold=10\.0%\)/,
    );
    expect(controller.output()).not.toContain('secret');

    const { stdout } = await run(process.execPath, [CLI, 'explain', 'vast:702', '--url', controller.url], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: controller.dataDir },
    });
    expect(stdout).toMatch(/decision:\s+KEEP/);
    expect(stdout).toMatch(/busy|93/);
    const paused = await run(process.execPath, [CLI, 'status', '--url', controller.url], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: controller.dataDir },
    });
    expect(paused.stdout).toMatch(/vast:702\s+vast\s+running/);
    await idle.stop();
    await busy.stop();
  });
});
