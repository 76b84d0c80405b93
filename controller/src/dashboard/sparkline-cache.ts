// The dashboard's sparkline inputs kept in memory between refreshes: each render reads only the samples that arrived
// since the last one (a few rows per instance) instead of three hours of rows (1,080 per instance at 10 s batches:
// 4 s a page at 1,000 instances before, bench/dashboard.ts). Samples stored late (an agent replaying after an outage)
// are picked up by a full re-read of each instance every few minutes.
import type { SampleSummary } from '../domain/sample';

interface Entry {
  t0: number[];
  t1: number[];
  util: (number | null)[];
  /** Index of the first sample still inside the window (older ones are dropped in batches). */
  start: number;
  lastT1: number;
  fullReadAt: number;
}

/** One full re-read per instance every 5 to 10 minutes, spread by id so they do not all fall on one refresh. */
const FULL_READ_MS = 5 * 60_000;

function spread(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return Math.abs(h) % FULL_READ_MS;
}

export interface SparkSeries {
  t0: readonly number[];
  t1: readonly number[];
  util: readonly (number | null)[];
  start: number;
}

export class SparklineCache {
  private readonly entries = new Map<string, Entry>();

  /** The samples of `id` ending at or after `from`, in time order, reading from the store only what is new. */
  series(id: string, from: number, now: number, read: (since: number) => SampleSummary[]): SparkSeries {
    let e = this.entries.get(id);
    if (e === undefined || now - e.fullReadAt > FULL_READ_MS + spread(id) || now < e.fullReadAt) {
      e = { t0: [], t1: [], util: [], start: 0, lastT1: -Infinity, fullReadAt: now };
      this.entries.set(id, e);
      this.append(e, read(from));
    } else {
      this.append(e, read(e.lastT1 + 1));
    }
    while (e.start < e.t1.length && e.t1[e.start]! < from) e.start++;
    if (e.start > 4096 && e.start > e.t1.length / 2) {
      e.t0 = e.t0.slice(e.start);
      e.t1 = e.t1.slice(e.start);
      e.util = e.util.slice(e.start);
      e.start = 0;
    }
    return e;
  }

  /** Forgets instances not drawn any more (deleted, or beyond the sparkline limit). */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.entries.keys()) if (!ids.has(id)) this.entries.delete(id);
  }

  private append(e: Entry, samples: readonly SampleSummary[]): void {
    for (const s of samples) {
      if (s.t1 <= e.lastT1) continue;
      e.t0.push(s.t0);
      e.t1.push(s.t1);
      e.util.push(s.utilMax);
      e.lastT1 = s.t1;
    }
  }
}
