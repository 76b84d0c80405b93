// Whole-cycle benchmark: CostOptimizer.runOnce() over N instances with a real SQLite store and an in-process
// provider (provider latency excluded, as the target in docs/architecture.md says): inventory upsert, idle-state updates, decide,
// planning and the executor's bookkeeping. Used by bench/engine.ts; gives the median and the 90th percentile (idle states
// are saved every tenth cycle: with 20 timed cycles, two of them carry that save and the p90 shows it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../controller/src/config/config';
import { silentLogger } from '../controller/src/log';
import { CostOptimizer } from '../controller/src/compose/cost-optimizer';
import { openStore } from '../controller/src/store';
import type { SampleInput } from '../controller/src/store';
import { MemoryProvider, memoryInstance } from '../test/fakes/memory-provider';
import { oneGpu } from './one-gpu';

/** The q-quantile of `xs` (nearest rank, lower): q = 0.5 is the median, 0.9 the p90. */
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;

export interface CycleFigures {
  medianMs: number;
  p90Ms: number;
  /** The first cycle, with start-up load (idle states read and replayed). */
  firstMs: number;
  /** Every timed cycle in order (the tenth and the twentieth save every idle state that changed). */
  timesMs: number[];
  /** The same for the process's CPU time (all threads, GC helpers included): on a shared machine wall time includes waiting for a core. */
  cpuMedianMs: number;
  cpuP90Ms: number;
}

/** One minute of agent samples ending at `now` + 60 s for every instance: one in ten idle, the rest busy. */
export function minuteOfSamples(instances: readonly { id: string }[], now: number): SampleInput[] {
  return instances.map((inst, i) => ({
    instanceId: inst.id,
    source: 'agent',
    t0: now,
    t1: now + 60_000,
    gpus: [oneGpu(60, i % 10 === 0 ? { min: 0, mean: 1, max: 2 } : { min: 60, mean: 80, max: 99 })],
    procs: 1,
    health: { state: 'ok' },
    run: null,
  }));
}

/** `databaseUrl`: an empty PostgreSQL database to run on instead of a SQLite file (bench:engine -- --postgres). */
export async function benchCycle(n: number, runs = 20, databaseUrl?: string): Promise<CycleFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'co-bench-cycle-'));
  const store = openStore(databaseUrl ?? join(dir, 'co.db'));
  const T0 = Date.parse('2026-11-01T00:00:00Z');
  let now = T0;
  // One instance in ten is idle, the rest busy; prices vary. DRY_RUN so repeated cycles see the same work.
  const instances = Array.from({ length: n }, (_, i) => memoryInstance(String(100_000 + i), { createdAt: T0 - 86_400_000, pricePerHour: 0.3 + (i % 7) * 0.2 }));
  const provider = new MemoryProvider(instances);
  const config = parseConfig({ DATA_DIR: dir, DRY_RUN: 'true' });
  const opt = new CostOptimizer(config, { store, now: () => now, sshPoller: null, logger: silentLogger, executor: { verifyAttempts: 1, verifyDelayMs: 0 } });
  opt.addProvider('vast', provider);
  const t = performance.now();
  await opt.runOnce();
  const firstMs = performance.now() - t;
  const times: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    // A minute of agent samples for every instance arrives between cycles (not timed: that is ingest's cost).
    const inputs = minuteOfSamples(instances, now);
    now += 60_000;
    store.insertSamples(inputs, now);
    const c = process.cpuUsage();
    const a = performance.now();
    await opt.runOnce();
    times.push(performance.now() - a);
    const u = process.cpuUsage(c);
    cpu.push((u.user + u.system) / 1000);
  }
  await opt.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    medianMs: quantile(times, 0.5),
    p90Ms: quantile(times, 0.9),
    firstMs,
    timesMs: times,
    cpuMedianMs: quantile(cpu, 0.5),
    cpuP90Ms: quantile(cpu, 0.9),
  };
}
