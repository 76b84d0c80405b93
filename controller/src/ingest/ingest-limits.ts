// Limits that keep one address or one agent from taking the controller down: failed agent authentication per source
// address (rate-limited, logged once per burst), a cap on connections, a per-instance batch rate, and the disk guard.
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Logger } from '../log';
import type { DiskGuard } from '../store/disk-guard';

export interface IngestLimitOptions {
  /** Failed upgrades one address may make per minute before it is answered 429 without a token check. Default 20. */
  authFailuresPerMinute?: number;
  /** Live agent connections at most; more are answered 503. Default 20,000. */
  maxConnections?: number;
  /** Sustained batches per second one instance may send, and the burst on top (a full 24-h buffer replay is 8,640). */
  batchesPerSecond?: number;
  batchBurst?: number;
  /**
   * Samples (batches: one stored row each) one instance may add per clock hour; default 12,000: a whole 24-h buffer
   * replay (8,640 batches) fits in one hour beside live readings. Bounds the disk one token can use (docs/security.md).
   */
  samplesPerHour?: number;
  /** GPUs one sample may report (a host has at most this many); a batch with more is refused as a bad frame. Default 16. */
  maxGpusPerSample?: number;
  /** Below its free-space floor no batch is queued. */
  diskGuard?: DiskGuard | null;
}

interface Burst {
  count: number;
  firstAt: number;
  lastAt: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const BURST_QUIET_MS = 60_000;
const MAX_TRACKED_BURSTS = 10_000;

export class IngestLimits {
  readonly maxConnections: number;
  private readonly authPoints: number;
  private readonly authLimiter: RateLimiterMemory;
  private readonly bursts = new Map<string, Burst>();
  private readonly batchRate: number;
  private readonly batchBurst: number;
  private readonly buckets = new Map<string, Bucket>();
  private readonly diskGuard: DiskGuard | null;
  private readonly samplesPerHour: number;
  /** Instance id -> its count in the current clock hour; entries of past hours are dropped by sweep(). */
  private readonly hourly = new Map<string, { hour: number; count: number }>();

  constructor(
    opts: IngestLimitOptions,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.authPoints = opts.authFailuresPerMinute ?? 20;
    this.maxConnections = opts.maxConnections ?? 20_000;
    this.batchRate = opts.batchesPerSecond ?? 20;
    this.batchBurst = opts.batchBurst ?? 10_000;
    this.diskGuard = opts.diskGuard ?? null;
    this.samplesPerHour = opts.samplesPerHour ?? 12_000;
    if (!(this.authPoints >= 1) || !(this.maxConnections >= 1) || !(this.batchRate > 0) || !(this.batchBurst >= 1) || !(this.samplesPerHour >= 1)) {
      throw new Error('IngestLimits: authFailuresPerMinute, maxConnections, batchBurst and samplesPerHour must be >= 1, batchesPerSecond > 0');
    }
    this.authLimiter = new RateLimiterMemory({ points: this.authPoints, duration: 60 });
  }

  /** True when the address used up its failed attempts for this minute: answer 429 without looking at the token. */
  async authBlocked(address: string): Promise<boolean> {
    const res = await this.authLimiter.get(address);
    if (res === null || res.consumedPoints < this.authPoints) return false;
    this.noteBurst(address, null);
    return true;
  }

  /** Counts a failed authentication; the first of a burst is logged, the rest are summarised when it ends. */
  authFailed(address: string, reason: string): void {
    this.authLimiter.consume(address).catch(() => {
      // Over the limit: the rejection is the signal; authBlocked answers 429 from now on.
    });
    this.noteBurst(address, reason);
  }

  private noteBurst(address: string, reason: string | null): void {
    const t = this.now();
    const b = this.bursts.get(address);
    // Many addresses at once (a botnet, rotating IPv6): stop tracking new ones rather than grow without bound; the
    // rate limiter and the refused-upgrades counter still see them.
    if (b === undefined && this.bursts.size >= MAX_TRACKED_BURSTS) return;
    if (b === undefined) {
      this.bursts.set(address, { count: 1, firstAt: t, lastAt: t });
      this.logger.warn(
        `agent connection from ${address} refused: ${reason ?? 'too many failed attempts'} (further refusals from this address are summarised in one line when they stop; more than ${this.authPoints} a minute are answered 429)`,
      );
      return;
    }
    b.count++;
    b.lastAt = t;
  }

  /** Ends quiet bursts with one summary line each; call periodically. */
  sweep(): void {
    const t = this.now();
    for (const [address, b] of this.bursts) {
      if (t - b.lastAt < BURST_QUIET_MS) continue;
      this.bursts.delete(address);
      if (b.count > 1) {
        this.logger.warn(
          `agent connections from ${address}: ${b.count} refused in ${Math.round((b.lastAt - b.firstAt) / 1000)} s (bad or missing tokens, then rate-limited)`,
        );
      }
    }
    for (const [id, k] of this.buckets) if (this.refill(k, t) >= this.batchBurst) this.buckets.delete(id);
    const hour = Math.floor(t / 3_600_000);
    for (const [id, h] of this.hourly) if (h.hour !== hour) this.hourly.delete(id);
  }

  private refill(k: Bucket, t: number): number {
    k.tokens = Math.min(this.batchBurst, k.tokens + ((t - k.at) / 1000) * this.batchRate);
    k.at = t;
    return k.tokens;
  }

  /**
   * Why a batch from this instance cannot be taken now, or null. Keyed by instance, not connection, so reconnecting
   * does not refill the bucket.
   */
  batchRefusal(instanceId: string): string | null {
    const disk = this.diskGuard?.refusal() ?? null;
    if (disk !== null) return disk;
    const t = this.now();
    let k = this.buckets.get(instanceId);
    if (k === undefined) this.buckets.set(instanceId, (k = { tokens: this.batchBurst, at: t }));
    if (this.refill(k, t) < 1) return `batch rate above ${this.batchRate}/s for this instance; retry later`;
    const hour = Math.floor(t / 3_600_000);
    let h = this.hourly.get(instanceId);
    if (h === undefined || h.hour !== hour) this.hourly.set(instanceId, (h = { hour, count: 0 }));
    if (h.count >= this.samplesPerHour) {
      return `more than ${this.samplesPerHour} samples this hour for this instance (AGENT_SAMPLES_PER_HOUR); keep them and retry after ${new Date((hour + 1) * 3_600_000).toISOString()}`;
    }
    h.count++;
    k.tokens -= 1;
    return null;
  }
}
