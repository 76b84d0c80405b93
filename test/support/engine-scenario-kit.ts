// Random sample streams and inventory histories for the engine's property tests (deterministic from a seed).
import type { EngineConfig } from '../../controller/src/config/config';
import type { InstanceState, MetricSource } from '../../controller/src/domain/instance';
import type { SampleSummary } from '../../controller/src/domain/sample';
import type { IdleState } from '../../controller/src/engine/idle-state';
import { observeInventory } from '../../controller/src/engine/observe-inventory';
import { observeSample } from '../../controller/src/engine/observe-sample';
import { sample } from './engine-test-kit';

/** mulberry32: a tiny seeded PRNG so a fast-check seed reproduces the whole scenario. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScenarioParams {
  seed: number;
  /** Which sources report. */
  sources: MetricSource[];
  /** Probability weights of a segment being idle (the rest: busy, unknown, gap, at-threshold). */
  idleBias: number;
  /** Chance that a sample is delivered late (out of order) or twice. */
  lateRate: number;
  dupRate: number;
  /** Inventory changes during the span, besides the first sighting. */
  inventoryChanges: number;
  /** Whether the last inventory reading is `running`. */
  endRunning: boolean;
}

export interface Delivered {
  id: number;
  s: SampleSummary;
  arrival: number;
}

export interface InventoryEvent {
  at: number;
  state: InstanceState;
}

export interface Scenario {
  /** Every sample that reached the engine (duplicates included), in arrival order. */
  delivered: Delivered[];
  inventory: InventoryEvent[];
  /** The last time the instance was seen running after not running (or first seen running); null if never. */
  restartAt: number | null;
  finalState: InstanceState;
}

const STATES: InstanceState[] = ['running', 'stopped', 'unknown', 'starting', 'stopping', 'running'];

/** Builds a scenario on [start, now] for the given config (thresholds decide what idle/busy/edge readings are). */
export function buildScenario(p: ScenarioParams, cfg: EngineConfig, start: number, now: number): Scenario {
  const rnd = prng(p.seed);
  const thr = cfg.pauseThresholdGpu;
  const maxGap = cfg.maxGapSeconds * 1000;
  const all: Delivered[] = [];
  let id = 0;
  for (const source of p.sources) {
    const step = [10_000, 20_000, 45_000][Math.floor(rnd() * 3)]!;
    let t = start + Math.floor(rnd() * step);
    while (t + step <= now) {
      const r = rnd();
      const len = 1 + Math.floor(rnd() * 30);
      const kind = r < p.idleBias ? 'idle' : ['busy', 'unknown', 'gap', 'edge', 'smallgap'][Math.floor(rnd() * 5)]!;
      if (kind === 'gap' || kind === 'smallgap') {
        t += kind === 'gap' ? maxGap + Math.floor(rnd() * 3 * maxGap) : Math.floor(rnd() * maxGap);
        continue;
      }
      for (let i = 0; i < len && t + step <= now; i++, t += step) {
        let util: number | null = rnd() * thr * 0.99;
        let over: Partial<SampleSummary> = { source };
        if (kind === 'busy') util = thr + rnd() * (100 - thr);
        else if (kind === 'edge') util = rnd() < 0.5 ? thr : thr - 1e-9;
        else if (kind === 'unknown') {
          const u = rnd();
          if (u < 0.4) util = null;
          else if (u < 0.7) over = { ...over, unknown: true };
          else over = { ...over, count: 0 };
        }
        const s = sample(t, t + step, util, over);
        if (util !== null) s.utilMean = Math.min(util, rnd() * util);
        const base = t + step;
        const late = rnd() < p.lateRate ? Math.floor(rnd() * 5 * step) : Math.floor(rnd() * 1000);
        all.push({ id: ++id, s, arrival: base + late });
        if (rnd() < p.dupRate) all.push({ id, s, arrival: base + Math.floor(rnd() * 10 * step) });
      }
    }
  }
  const delivered = all.filter((d) => d.arrival <= now).sort((a, b) => a.arrival - b.arrival || a.id - b.id);

  const inventory: InventoryEvent[] = [{ at: start, state: rnd() < 0.8 ? 'running' : 'stopped' }];
  for (let i = 0; i < p.inventoryChanges; i++)
    inventory.push({ at: start + Math.floor(rnd() * (now - start)), state: STATES[Math.floor(rnd() * STATES.length)]! });
  inventory.sort((a, b) => a.at - b.at);
  const lastAt = inventory[inventory.length - 1]!.at;
  inventory.push({ at: lastAt + Math.floor(rnd() * (now - lastAt)), state: p.endRunning ? 'running' : STATES[Math.floor(rnd() * STATES.length)]! });

  let restartAt: number | null = null;
  let prev: InstanceState | null = null;
  for (const e of inventory) {
    if (e.state === 'running' && prev !== 'running') restartAt = e.at;
    prev = e.state;
  }
  return { delivered, inventory, restartAt: prev === 'running' ? restartAt : null, finalState: prev! };
}

/** Replays a scenario through observeInventory / observeSample in time order (inventory first on ties). */
export function replay(sc: Scenario, cfg: EngineConfig, initial: IdleState | null = null): IdleState | null {
  let st = initial;
  let i = 0;
  for (const d of sc.delivered) {
    while (i < sc.inventory.length && sc.inventory[i]!.at <= d.arrival) {
      st = observeInventory(st, { state: sc.inventory[i]!.state }, sc.inventory[i]!.at, cfg);
      i++;
    }
    st = observeSample(st, d.s, cfg);
  }
  for (; i < sc.inventory.length; i++) st = observeInventory(st, { state: sc.inventory[i]!.state }, sc.inventory[i]!.at, cfg);
  return st;
}
