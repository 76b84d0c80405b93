// Replicas of `serve` on one throwaway PostgreSQL beside the Vast.ai fake, with compressed timings: the set-up and
// tear-down the replica end-to-end tests (failover, a PostgreSQL restart) share.
import { startVastFake, type VastFake, type VastFakeOptions } from '../../controller/src/fake-world/vast-fake';
import { PgDatabase } from '../../controller/src/store/sql/pg-database';
import { ensureBuilt } from './build';
import { ReplicaSet } from './replica-set';
import { killAllAgents } from './spawn-agent';
import { killAllControllers } from './spawn-controller';
import { makeTempDir, type TempDir } from './temp-dir';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres';
import { COMPRESSED_TIMINGS } from './vast-rig';

export interface ReplicaRig {
  tmp: TempDir;
  pg: ThrowawayPostgres;
  vast: VastFake;
  /** A connection of the test's own to the replicas' database (for reading what they stored). */
  db: PgDatabase;
  set: ReplicaSet;
  /** Kills every agent and controller, then stops the fake, the database and removes the files. */
  close(): Promise<void>;
}

export interface ReplicaRigOptions {
  /** Names the temporary directory and the database. */
  name: string;
  replicas: readonly string[];
  leaseSeconds: number;
  adminToken: string;
  vast: VastFakeOptions;
}

/**
 * Starts the fake, the database and every replica (together: the migrations take turns under the advisory lock). If
 * any of it fails, what was started is stopped before the error goes on.
 */
export async function startReplicaRig(o: ReplicaRigOptions): Promise<ReplicaRig> {
  ensureBuilt();
  const tmp = makeTempDir(`co-e2e-${o.name}-`);
  let pg: ThrowawayPostgres | undefined;
  let vast: VastFake | undefined;
  let db: PgDatabase | undefined;
  const close = async () => {
    killAllAgents();
    killAllControllers();
    db?.close();
    await vast?.close();
    await pg?.stop();
    tmp.cleanup();
  };
  try {
    pg = await startThrowawayPostgres();
    vast = await startVastFake(o.vast);
    const url = pg.createDatabase(o.name.replace(/\W/g, '_'));
    db = new PgDatabase(url);
    // A 5 s provider timeout: a new leader leaves its predecessor's unfinished pause alone for 39 s, not 64.
    const env = {
      VAST_API_KEY: vast.apiKey,
      VAST_API_URL: vast.url,
      LEADER_LEASE_SECONDS: String(o.leaseSeconds),
      PROVIDER_TIMEOUT_SECONDS: '5',
      ADMIN_TOKEN: o.adminToken,
    };
    const set = new ReplicaSet({ databaseUrl: url, dataRoot: tmp.path, env: { ...env, ...COMPRESSED_TIMINGS } });
    await Promise.all(o.replicas.map((n) => set.start(n)));
    return { tmp, pg, vast, db, set, close };
  } catch (err) {
    await close();
    throw err;
  }
}
