// Folds per-reading GPU values into per-interval min/mean/max per GPU (the protocol's GpuStats).
import type { GpuStats, Stat } from '../index';
import type { GpuReading } from './parse';

class Acc {
  n = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  add(v: number | null): void {
    if (v === null) return;
    this.n++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
  stat(): Stat | null {
    if (this.n === 0) return null;
    // Rounded to 0.01 so frames stay small; clamped so rounding never breaks min <= mean <= max.
    const r = (x: number) => Math.round(x * 100) / 100;
    const min = r(this.min);
    const max = r(this.max);
    return { min, mean: Math.min(max, Math.max(min, r(this.sum / this.n))), max };
  }
}

const ENGINE_READINGS = ['enc', 'dec', 'jpeg', 'ofa', 'encSessions'] as const;
type EngineReading = (typeof ENGINE_READINGS)[number];

interface GpuAcc {
  uuid: string | null;
  count: number;
  utilUnknown: number;
  util: Acc;
  mem: Acc;
  memTotal: number | null;
  temp: Acc;
  power: Acc;
  /** The engines that were queried (present on a reading), each with its accumulator. */
  engines: Partial<Record<EngineReading, Acc>>;
}

/** Collects readings for one interval; `take()` returns the stats and starts the next interval. */
export class Aggregator {
  private gpus = new Map<number, GpuAcc>();

  add(r: GpuReading): void {
    let g = this.gpus.get(r.index);
    if (!g) {
      g = { uuid: r.uuid, count: 0, utilUnknown: 0, util: new Acc(), mem: new Acc(), memTotal: null, temp: new Acc(), power: new Acc(), engines: {} };
      this.gpus.set(r.index, g);
    }
    g.count++;
    if (r.util === null) g.utilUnknown++;
    g.util.add(r.util);
    g.mem.add(r.memUsedMiB);
    if (r.memTotalMiB !== null) g.memTotal = r.memTotalMiB;
    if (r.uuid !== null) g.uuid = r.uuid;
    g.temp.add(r.tempC);
    g.power.add(r.powerW);
    for (const k of ENGINE_READINGS) {
      const v = r[k];
      if (v === undefined) continue; // not queried on this host: not applicable
      (g.engines[k] ??= new Acc()).add(v);
    }
  }

  /** Readings collected since the last take(). */
  get size(): number {
    let n = 0;
    for (const g of this.gpus.values()) n += g.count;
    return n;
  }

  take(): GpuStats[] {
    const out: GpuStats[] = [...this.gpus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, g]) => {
        const s: GpuStats = {
          index,
          uuid: g.uuid,
          count: g.count,
          utilUnknown: g.utilUnknown,
          util: g.util.stat(),
          memUsed: g.mem.stat(),
          memTotal: g.memTotal,
          temp: g.temp.stat(),
          power: g.power.stat(),
        };
        for (const k of ENGINE_READINGS) {
          const acc = g.engines[k];
          if (acc) s[k] = acc.stat();
        }
        return s;
      });
    this.gpus = new Map();
    return out;
  }
}

/** Stats for a single set of readings (one SSH poll): each GPU's min = mean = max. */
export function statsOf(readings: readonly GpuReading[]): GpuStats[] {
  const a = new Aggregator();
  for (const r of readings) a.add(r);
  return a.take();
}
