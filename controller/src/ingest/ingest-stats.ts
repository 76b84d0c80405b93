// Counters the ingest keeps for /metrics, the periodic stats log line and the bench.
import type { InsertStatus } from '../store/types';

export interface IngestCounters {
  frames: number;
  badFrames: number;
  authFailures: number;
  socketErrors: number;
  busyRejections: number;
  /** Batches by store outcome. */
  batches: Record<InsertStatus, number>;
}

export function newCounters(): IngestCounters {
  return {
    frames: 0,
    badFrames: 0,
    authFailures: 0,
    socketErrors: 0,
    busyRejections: 0,
    batches: { inserted: 0, duplicate: 0, expired: 0, rejected: 0 },
  };
}

/** Receive-to-ack times of the current reporting window; a bounded reservoir so memory stays flat. */
export class LatencyWindow {
  private values: number[] = [];
  private seen = 0;
  constructor(private readonly cap = 20_000) {}

  add(ms: number): void {
    this.seen++;
    if (this.values.length < this.cap) this.values.push(ms);
    else {
      // Reservoir sampling keeps a uniform sample of the whole window.
      const i = Math.floor(Math.random() * this.seen);
      if (i < this.cap) this.values[i] = ms;
    }
  }

  /** Percentiles of the window, then starts a new one. */
  take(): { n: number; p50: number | null; p99: number | null; max: number | null } {
    const v = this.values.sort((a, b) => a - b);
    const n = this.seen;
    this.values = [];
    this.seen = 0;
    const at = (p: number) => (v.length === 0 ? null : v[Math.min(v.length - 1, Math.floor(p * v.length))]!);
    return { n, p50: at(0.5), p99: at(0.99), max: v.length === 0 ? null : v[v.length - 1]! };
  }
}
