// Failover time of `serve` replicas on one PostgreSQL (issue 19, docs/scale-out.md): for each of N kills, start R
// replicas on a fresh database of one throwaway cluster, wait for a leader, kill -9 it, and time until another
// replica's /healthz says role "leader" (polled every 50 ms). Prints each kill and the median. Measures only.
//
//   npm run bench:failover [-- --kills 5 --replicas 3 --lease 15]
//   (or BENCH_KILLS, BENCH_REPLICAS, LEADER_LEASE_SECONDS in the environment)
import os from 'node:os';
import { startVastFake } from '../controller/src/fake-world/vast-fake';
import { ReplicaSet } from '../test/helpers/replica-set';
import { makeTempDir } from '../test/helpers/temp-dir';
import { startThrowawayPostgres } from '../test/helpers/throwaway-postgres';

function arg(name: string, env: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : process.env[env];
  const n = Number(v ?? fallback);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, not ${v}`);
  return n;
}

const kills = arg('kills', 'BENCH_KILLS', 5);
const replicas = arg('replicas', 'BENCH_REPLICAS', 3);
const leaseSec = arg('lease', 'LEADER_LEASE_SECONDS', 15);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sec = (ms: number) => (ms / 1000).toFixed(2);

async function main(): Promise<void> {
  console.log(
    `bench:failover: ${kills} kills, ${replicas} replicas, LEADER_LEASE_SECONDS=${leaseSec}; ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const pg = await startThrowawayPostgres();
  // Replicas need a provider to start; an empty Vast.ai fake answers their inventories.
  const vast = await startVastFake({ instances: [] });
  const tmp = makeTempDir('co-bench-failover-');
  const times: number[] = [];
  try {
    for (let k = 1; k <= kills; k++) {
      const set = new ReplicaSet({
        databaseUrl: pg.createDatabase(`failover_${process.pid}_${k}`),
        dataRoot: `${tmp.path}/run${k}`,
        env: { VAST_API_KEY: vast.apiKey, VAST_API_URL: vast.url, LEADER_LEASE_SECONDS: String(leaseSec) },
      });
      const names = Array.from({ length: replicas }, (_, i) => String.fromCharCode(97 + i));
      await Promise.all(names.map((n) => set.start(n)));
      const leader = await set.waitForOneLeader(leaseSec * 3000 + 30_000);
      // Let the lease settle into its renewal rhythm, so the kill lands anywhere within a renewal period.
      await new Promise((r) => setTimeout(r, 1_000 + (Math.random() * (leaseSec * 1000)) / 3));
      const killedAt = Date.now();
      await set.get(leader).kill9();
      const { name, ms } = await set.timeToNewLeader(killedAt, leaseSec * 4000 + 30_000);
      times.push(ms);
      console.log(`kill ${k}: leader ${leader} killed; ${name} leads after ${sec(ms)} s`);
      await Promise.all(set.alive().map(([, c]) => c.stop()));
    }
  } finally {
    await vast.close();
    await pg.stop();
    tmp.cleanup();
  }
  console.log(
    `failover median of ${times.length} kills: ${sec(median(times))} s with LEADER_LEASE_SECONDS=${leaseSec} (each: ${times.map(sec).join(', ')} s; min ${sec(
      Math.min(...times),
    )}, max ${sec(Math.max(...times))})`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
