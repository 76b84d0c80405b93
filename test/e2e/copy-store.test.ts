// `cost-optimizer copy-store` as an operator runs it: a SQLite deployment (tokens, an audit row, a hold, samples) is
// copied into an empty throwaway PostgreSQL, a controller started on that database takes the old agent token and
// shows the old audit log, and a second copy into the now non-empty database is refused.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyStore } from '../../controller/src/store/copy-store';
import { dbPath } from '../../controller/src/store/open-db';
import { openStore } from '../../controller/src/store/store';
import { CLI, ensureBuilt } from '../helpers/build';
import { batch, gpus } from '../helpers/gpu-stats';
import { waitFor } from '../helpers/in-process-controller';
import { killAllAgents, spawnAgent } from '../helpers/spawn-agent';
import { getJson, killAllControllers, spawnController } from '../helpers/spawn-controller';
import { makeTempDir, type TempDir } from '../helpers/temp-dir';
import { postgresUnavailable, startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres';

const run = promisify(execFile);
const unavailable = postgresUnavailable();
let pg: ThrowawayPostgres;
let tmp: TempDir;

describe.skipIf(unavailable !== null)(`copy-store${unavailable ? ` (left out: ${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    ensureBuilt();
    tmp = makeTempDir('co-e2e-copy-');
    pg = await startThrowawayPostgres();
  });
  afterAll(async () => {
    killAllAgents();
    killAllControllers();
    await pg?.stop();
    tmp?.cleanup();
  });

  it("stamps copied rows with the target's own transaction, not the source server's ids, and drops audit rows' lease epochs", () => {
    const source = openStore(pg.createDatabase());
    const target = openStore(pg.createDatabase());
    try {
      const now = Date.now();
      for (const seq of [1, 2]) {
        const b = batch('run-aaaaaaaa', seq, now - 30_000 + seq * 10_000, gpus(1, 40));
        source.insertSamples(
          [{ instanceId: 'vast:1', source: 'agent', t0: b.t0, t1: b.t1, gpus: b.gpus, procs: 1, health: b.health, run: { runId: 'run-aaaaaaaa', seq } }],
          now,
        );
      }
      const xids = (s: typeof source) => s.db.prepare('SELECT count(DISTINCT xid) FROM samples').pluck().get();
      expect(xids(source)).toBe(2);
      // A pause left planned under the source's lease epoch 9: the target's lease starts again at 1, so a copied 9
      // would read as a newer leader's and never be settled.
      source.insertAction({ instanceId: 'vast:1', kind: 'pause', status: 'planned', reason: 'idle', decisionKey: 'k', leaseEpoch: 9 }, now);
      expect(copyStore(source, target, { samplesSince: 0 })['samples']).toBe(2);
      // One copy, one transaction: had the source's ids been copied as data, the two rows would keep two.
      expect(xids(target)).toBe(1);
      expect(target.getActionByDecisionKey('k')).toMatchObject({ status: 'planned', leaseEpoch: null });
    } finally {
      source.close();
      target.close();
    }
  });

  it('copies a SQLite deployment into an empty PostgreSQL that a controller then runs on, and refuses a second time', async () => {
    const now = Date.now();
    const src = openStore(dbPath(tmp.path));
    const token = src.createToken('manual:old-host', now - 60_000);
    src.insertAction({ instanceId: 'manual:old-host', kind: 'pause', status: 'succeeded', reason: 'idle before the move', decisionKey: 'k-1' }, now - 50_000);
    src.setHold('manual:old-host', now + 3_600_000, 'keep during the move', now - 40_000);
    const b = batch('run-aaaaaaaa', 1, now - 30_000, gpus(1, 40));
    src.insertSamples(
      [
        {
          instanceId: 'manual:old-host',
          source: 'agent',
          t0: b.t0,
          t1: b.t1,
          gpus: b.gpus,
          procs: 1,
          health: b.health,
          run: { runId: 'run-aaaaaaaa', seq: 1 },
        },
      ],
      now - 29_000,
    );
    src.close();

    const url = pg.createDatabase('moved');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', DATA_DIR: tmp.path };
    const copied = await run(process.execPath, [CLI, 'copy-store', '--to', url], { env });
    expect(copied.stdout).toMatch(/tokens\s+1\n/);
    expect(copied.stdout).toMatch(/actions\s+1\n/);
    expect(copied.stdout).toMatch(/holds\s+1\n/);
    expect(copied.stdout).toMatch(/samples\s+1\n/);

    const again = await run(process.execPath, [CLI, 'copy-store', '--to', url], { env }).catch((e: { code: number; stderr: string }) => e);
    expect((again as { code: number }).code).toBe(1);
    expect((again as { stderr: string }).stderr).toMatch(/already holds \d+ rows/);

    const c = await spawnController({ dataDir: `${tmp.path}/replica`, env: { DATABASE_URL: url, ADMIN_TOKEN: 'copy-admin-0123456789abcdef' } });
    const actions = await getJson<{ instanceId: string; reason: string }[]>(`${c.url}/api/actions`, c.adminHeaders());
    expect(actions.map((a) => a.reason)).toContain('idle before the move');
    const agent = spawnAgent({ controllerWsUrl: c.wsUrl, token, dir: tmp.path, name: 'old-host', state: { gpus: [{ util: 30 }] } });
    await waitFor(
      async () =>
        (await getJson<{ instance: { agentConnected: boolean } }>(`${c.url}/api/instances/manual:old-host`, c.adminHeaders())).instance.agentConnected,
      20_000,
      'the old token accepted by the controller on PostgreSQL',
    );
    // A minted key continues after the copied ones.
    const t2 = await c.mintToken('manual:new-host');
    expect(t2).toMatch(/\S{20,}/);
    await agent.stop();
    await c.stop();
  });
});
