// End to end: a TensorDock v2 instance, whose API gives no creation time, is aged from the controller's first
// sighting (kept across a controller restart) and, stopped and forgotten, is warned about and then deleted.
// The built controller, the TensorDock v2 fake; compressed timings (threshold 36 s, warning 14 s, minimum age 11 s).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTensorDockV2Fake, tdV2Instance, type TdV2Fake } from '../../controller/src/fake-world/tensordock-fake-v2';
import { CLI, ensureBuilt } from '../helpers/build';
import { waitFor } from '../helpers/in-process-controller';
import { getJson, killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';

const run = promisify(execFile);
const ID = 'c0ffee00-0000-4000-8000-00000000d0d0';
let td: TdV2Fake;
let controller: SpawnedController;
const tmp = makeTempDir('co-e2e-undated-');

const env = () => ({
  TENSORDOCK_API_TOKEN: td.token,
  TENSORDOCK_API_URL: td.apiUrl,
  CHECK_INTERVAL: '1',
  DELETE_THRESHOLD_HOURS: '0.01',
  DELETE_WARNING_HOURS: '0.004',
  MIN_INSTANCE_AGE_HOURS: '0.003',
});

beforeAll(async () => {
  ensureBuilt();
  td = await startTensorDockV2Fake({ transitionMs: 0, instances: [tdV2Instance({ id: ID, name: 'forgotten-4090', status: 'stopped' })] });
  // The fake's v2 objects carry no creation time, as the real API's do not.
  expect(Object.keys(td.instances.get(ID)!).some((k) => /creat|date|time/i.test(k))).toBe(false);
});

afterAll(async () => {
  await controller?.stop();
  killAllControllers();
  await td?.close();
  tmp.cleanup();
});

async function explainText(): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, 'explain', `tensordock:${ID}`, '--url', controller.url], {
    env: { PATH: process.env.PATH ?? '', ADMIN_TOKEN: controller.adminToken },
  });
  return stdout;
}

describe('an instance the provider cannot date', () => {
  it('is aged from its first sighting, kept across a restart, warned about and deleted after the threshold', async () => {
    controller = await spawnController({ dataDir: tmp.path, env: env() });
    const firstSeen = await waitFor(
      async () => /age:\s+>= [\d.]+ s \(first seen (\S+); provider gives no creation time\)/.exec(await explainText().catch(() => ''))?.[1] ?? false,
      30_000,
      'explain showing the first sighting',
    );
    expect(Date.now() - Date.parse(firstSeen)).toBeLessThan(60_000);

    // A restart must not reset the age (nor the inactive clock) to zero.
    await controller.stop();
    controller = await spawnController({ dataDir: tmp.path, env: env() });
    const again = await waitFor(async () => /first seen (\S+);/.exec(await explainText().catch(() => ''))?.[1] ?? false, 30_000, 'explain after the restart');
    expect(again).toBe(firstSeen);

    const actions = await waitFor(
      async () => {
        const list = await getJson<{ instanceId: string; kind: string; status: string; at: string }[]>(
          `${controller.url}/api/actions`,
          controller.adminHeaders(),
        );
        return list.some((a) => a.instanceId === `tensordock:${ID}` && a.kind === 'delete' && a.status === 'succeeded') ? list : false;
      },
      120_000,
      'a succeeded delete of the TensorDock v2 instance',
    );
    const mine = actions.filter((a) => a.instanceId === `tensordock:${ID}`);
    const warn = mine.find((a) => a.kind === 'warn' && a.status === 'succeeded');
    const del = mine.find((a) => a.kind === 'delete' && a.status === 'succeeded')!;
    expect(warn).toBeDefined();
    // The warning went out at least DELETE_WARNING_HOURS (14.4 s) before the delete, which came after the threshold.
    expect(Date.parse(del.at) - Date.parse(warn!.at)).toBeGreaterThanOrEqual(0.004 * 3_600_000);
    expect(Date.parse(del.at) - Date.parse(firstSeen)).toBeGreaterThan(0.01 * 3_600_000);
    expect(td.instances.has(ID)).toBe(false);
    expect(td.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([`/api/v2/instances/${ID}`]);
  }, 240_000);
});
