// The disk guard end to end: a controller process whose DATA_DIR's file system is below MIN_FREE_DISK_MB, the
// Vast.ai fake listing a running instance, and a real agent streaming 0 % (idle) readings. The batches are refused,
// so the engine sees no data for the instance: it must not pause it however long it looks idle, and says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VastFake } from '../../controller/src/fake-world/vast-fake';
import { waitFor } from '../helpers/in-process-controller';
import { spawnAgent } from '../helpers/spawn-agent';
import { getJson, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { agentOnlyInstance, startVastRig, stopVastRig } from '../helpers/vast-rig';

const tmp = makeTempDir('co-sec-disk-');
let vast: VastFake;
let ctl: SpawnedController;

beforeAll(async () => {
  ({ vast, controller: ctl } = await startVastRig({
    dataDir: tmp.path,
    transitionMs: 200,
    instances: [agentOnlyInstance({ id: 801, label: 'idle-but-unseen' })],
    env: {
      PAUSE_WINDOW_MINUTES: '0.05',
      MIN_SAMPLES: '2',
      MAX_GAP_SECONDS: '2',
      CHECK_INTERVAL: '1',
      MIN_INSTANCE_AGE_HOURS: '0',
      // Far above the free space of any disk this runs on: the real statfs says "below the floor".
      MIN_FREE_DISK_MB: '1000000000',
    },
  }));
}, 60_000);

afterAll(() => stopVastRig({ controller: ctl, vast, tmp }));

describe('disk below the floor', () => {
  it('stores nothing, tells the agent why, and pauses nothing for want of data', async () => {
    const r = await fetch(`${ctl.url}/api/tokens`, {
      method: 'POST',
      headers: { ...ctl.adminHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify({ instanceId: 'vast:801' }),
    });
    expect(r.status).toBe(201);
    const { token } = (await r.json()) as { token: string };
    const agent = spawnAgent({ controllerWsUrl: ctl.wsUrl, token, dir: tmp.path, name: 'idle', state: { gpus: [{ util: 0 }] } });
    // Several refusals, spread over more than the 3-second pause window, with cycles running meanwhile.
    const refusals = () =>
      ctl
        .output()
        .split('\n')
        .filter((l) => l.includes('batch from agent vast:801 not queued (controller disk below its free-space floor'));
    await waitFor(() => refusals().length >= 3, 90_000, 'three refused batches');
    const first = Date.parse(refusals()[0]!.slice(0, 24));
    await waitFor(() => Date.parse(refusals().at(-1)!.slice(0, 24)) - first > 6_000, 90_000, 'refusals spanning two pause windows');
    expect(ctl.output().match(/ERROR disk: .*below MIN_FREE_DISK_MB=1000000000/g)).toHaveLength(1);
    // The agent was told the reason, not a generic failure.
    expect(agent.output()).toMatch(/free-space floor/);

    const actions = await getJson<{ instanceId: string; kind: string }[]>(`${ctl.url}/api/actions`, ctl.adminHeaders());
    expect(actions.filter((a) => a.kind === 'pause' || a.kind === 'delete')).toEqual([]);
    expect(vast.requests.filter((q) => q.method === 'PUT' || q.method === 'DELETE')).toEqual([]);
    const detail = await getJson<{ explanation: { text: string } | null }>(`${ctl.url}/api/instances/vast:801`, ctl.adminHeaders());
    expect(detail.explanation?.text ?? '').not.toMatch(/decision:\s+PAUSE/);
    await agent.stop();
  });
});
