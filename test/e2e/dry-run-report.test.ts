// DRY_RUN end to end with real processes: the built controller with the Vast.ai fake and a real idle agent decides a
// pause but acts on nothing; /api/status (savings.wouldHave), the dashboard and `cost-optimizer report --days N` show
// what would have been paused and the money it would have saved, with the day / week / provider split.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VastFake } from '../../controller/src/fake-world/vast-fake';
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

interface WouldHave {
  days: number;
  pauses: number;
  deletes: number;
  usd: number;
  byProvider: Record<string, number>;
  items: { instanceId: string; kind: string; usd: number }[];
}

beforeAll(async () => {
  tmp = makeTempDir('co-e2e-dry-');
  ({ vast, controller } = await startVastRig({
    dataDir: tmp.path,
    instances: [agentOnlyInstance({ id: 711, label: 'idle-notebook', dphTotal: 3.6021 })],
    env: { DRY_RUN: 'true', ...COMPRESSED_TIMINGS, PAUSE_WINDOW_MINUTES: '0.05', MIN_SAMPLES: '3' },
  }));
});

afterAll(() => stopVastRig({ controller, vast, tmp }));

describe('DRY_RUN: what would have been done and saved', () => {
  it('shows the would-be pause and its money in the API, the dashboard and `report`', async () => {
    const token = await controller.mintToken('vast:711');
    spawnAgent({ controllerWsUrl: controller.wsUrl, token, dir: tmp.path, name: 'idle', state: { gpus: [{ util: 1 }] } });

    const would = await waitFor(
      async () => {
        const s = await getJson<{ savings: { wouldHave?: WouldHave; lastDayUsd: number; byProvider: Record<string, number>; deleteHorizonDays: number } }>(
          `${controller.url}/api/status`,
          controller.adminHeaders(),
        );
        return s.savings.wouldHave !== undefined && s.savings.wouldHave.pauses === 1 && s.savings;
      },
      60_000,
      'a dry-run pause in /api/status',
    );
    expect(would.wouldHave!.items[0]).toMatchObject({ instanceId: 'vast:711', kind: 'pause' });
    expect(would.wouldHave!.days).toBe(7);
    // Nothing was acted on, so nothing was actually saved.
    expect(would.lastDayUsd).toBe(0);
    expect(would.byProvider).toEqual({});
    expect(would.deleteHorizonDays).toBe(30);
    expect(vast.requests.filter((q) => q.method === 'PUT' || q.method === 'DELETE')).toEqual([]);

    // The money grows while the instance stays idle ($3.60/h running - $0.0021/h storage).
    await waitFor(
      async () => {
        const s = await getJson<{ savings: { wouldHave: WouldHave } }>(`${controller.url}/api/status`, controller.adminHeaders());
        return s.savings.wouldHave.usd > 0;
      },
      60_000,
      'the would-be saving to grow',
    );

    const html = await (await fetch(`${controller.url}/`, { headers: controller.adminHeaders() })).text();
    expect(html).toMatch(/Dry run: the last 7 days/);
    expect(html).toMatch(/Would have paused <b id="would-pauses">1<\/b>/);
    expect(html).toContain('vast:711');

    const report = await run(process.execPath, [CLI, 'report', '--days', '1'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATA_DIR: controller.dataDir, DRY_RUN: 'true' },
    });
    expect(report.stdout).toMatch(/^Dry run, last 1 day \(/);
    expect(report.stdout).toMatch(/would have paused 1 and deleted 0 instance, saving \$\d+\.\d\d \(vast \$\d+\.\d\d\)/);
    expect(report.stdout).toMatch(/ pause +vast:711 +\$\d+\.\d\d +GPU avg/);
    expect(report.stdout).toMatch(/Actually saved: \$0\.00 in all/);
    const json = JSON.parse(
      (await run(process.execPath, [CLI, 'report', '--json'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATA_DIR: controller.dataDir } })).stdout,
    ) as {
      wouldHave: WouldHave;
    };
    expect(json.wouldHave.pauses).toBe(1);
    const bad = await run(process.execPath, [CLI, 'report', '--days', 'x'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATA_DIR: controller.dataDir },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('--days needs a number of days') });
  });
});
