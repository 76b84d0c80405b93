// Store insert benchmark: Store.insertSamples over 1,000-sample flushes of 8-GPU agent batches (what the ingest's
// batch writer commits every few milliseconds under load), 5,000 instances, on SQLite and on a throwaway PostgreSQL.
// Prints the median time per flush after the first rounds, which also register the instances and their runs.
//   npm run bench:insert                 (both stores)
//   npm run bench:insert -- --sqlite     (SQLite only)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type SampleInput } from '../controller/src/store';
import { batch, gpus } from '../test/helpers/gpu-stats';
import { startThrowawayPostgres } from '../test/helpers/throwaway-postgres';

const INSTANCES = 5_000;
const FLUSH = 1_000;
const ROUNDS = 40;
/** Rounds left out of the median: the first five register every instance and run. */
const WARM = 5;

function flush(round: number, t0: number): SampleInput[] {
  return Array.from({ length: FLUSH }, (_, i) => {
    const n = round * FLUSH + i;
    const seq = Math.floor(n / INSTANCES) + 1;
    const b = batch(`run-${n % INSTANCES}-aaaa`, seq, t0 + round * 10_000 + i, gpus(8, 50));
    return {
      instanceId: `vast:${n % INSTANCES}`,
      source: 'agent',
      t0: b.t0,
      t1: b.t1,
      gpus: b.gpus,
      procs: b.procs,
      health: b.health,
      run: { runId: `run-${n % INSTANCES}-aaaa`, seq },
    };
  });
}

function run(location: string): { medianMs: number; firstMs: number } {
  const store = openStore(location);
  const t0 = Date.now() - 3_600_000;
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const inputs = flush(r, t0);
    const a = performance.now();
    const results = store.insertSamples(inputs, t0 + 600_000);
    times.push(performance.now() - a);
    const bad = results.find((x) => x.status !== 'inserted');
    if (bad !== undefined) throw new Error(`a sample was not stored: ${JSON.stringify(bad)}`);
  }
  store.close();
  const steady = times.slice(WARM).sort((a, b) => a - b);
  return { medianMs: steady[Math.floor(steady.length / 2)]!, firstMs: times[0]! };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'co-bench-insert-'));
  try {
    const s = run(join(dir, 'co.db'));
    console.log(`SQLite:     median ${s.medianMs.toFixed(1)} ms per ${FLUSH}-sample flush (first, registering instances: ${s.firstMs.toFixed(0)} ms)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (process.argv.includes('--sqlite')) return;
  const pg = await startThrowawayPostgres();
  try {
    const p = run(pg.createDatabase('bench_insert'));
    console.log(`PostgreSQL: median ${p.medianMs.toFixed(1)} ms per ${FLUSH}-sample flush (first, registering instances: ${p.firstMs.toFixed(0)} ms)`);
  } finally {
    await pg.stop();
  }
}

void main();
