// What /healthz says about the optimizer loop (docs/health.md): when a cycle last finished and when each provider's
// inventory last succeeded. Stale when no cycle finished within 3 CHECK_INTERVALs of the last one (or of the start,
// so a first cycle that never ends is caught too). Wall-clock time: a stall is a matter of real seconds.
import type { CycleReport } from './steps/record';

export interface ProviderHealth {
  lastSuccessAt: string | null;
  /** The last inventory error, while the provider has failed since its last success. */
  lastError: string | null;
}

export interface LoopHealthSnapshot {
  ok: boolean;
  startedAt: string;
  lastCycleAt: string | null;
  /** How long a cycle may take to come before the loop counts as stalled (3 CHECK_INTERVALs). */
  staleAfterSeconds: number;
  cycles: number;
  providers: Record<string, ProviderHealth>;
  /** Why it is not ok. */
  error?: string;
  /** `leader` runs the cycle; a `follower` replica serves agents and the API while another leads (docs/scale-out.md). */
  role?: 'leader' | 'follower';
  /** REPLICA_ID of this process. */
  replica?: string;
  /** On a follower: the replica that leads (null while nobody holds the lease) and when it last finished a cycle. */
  leader?: { replica: string | null; lastCycleAt: string | null };
}

export class LoopHealth {
  private readonly startedAt: number;
  private lastCycleAt: number | null = null;
  private cycles = 0;
  private readonly providers = new Map<string, { lastSuccessAt: number | null; lastError: string | null }>();

  /** Last time this replica was seen following: a follower runs no cycle, so its loop is never stale. */
  private followingAt: number | null = null;

  constructor(
    private readonly checkIntervalSec: number,
    providerNames: readonly string[],
    private readonly clock: () => number = Date.now,
    /** True while another replica leads; default: never (one controller). */
    private readonly following: () => boolean = () => false,
  ) {
    this.startedAt = clock();
    for (const p of providerNames) this.providers.set(p, { lastSuccessAt: null, lastError: null });
  }

  get staleAfterMs(): number {
    return 3 * this.checkIntervalSec * 1000;
  }

  /** Call at the end of every finished cycle. */
  cycleFinished(report: Pick<CycleReport, 'providers'>): void {
    const t = this.clock();
    this.lastCycleAt = t;
    this.cycles++;
    for (const o of report.providers) {
      const p = this.providers.get(o.provider) ?? { lastSuccessAt: null, lastError: null };
      if (o.ok) {
        p.lastSuccessAt = t;
        p.lastError = null;
      } else {
        p.lastError = o.error;
      }
      this.providers.set(o.provider, p);
    }
  }

  /**
   * Call when this replica has just become the leader: its loop is counted from now. Seeing it follow only when asked
   * is not enough: while the database is down /healthz answers 503 without asking, and the watchdog asks every 10 s,
   * so a replica leading again after an outage was counted from its last cycle before it.
   */
  becameLeader(): void {
    this.followingAt = this.clock();
  }

  /**
   * Milliseconds since the last finished cycle (or the start, before the first). A follower expects no cycle: 0, and
   * a replica that has just become the leader is counted from then.
   */
  sinceLastCycleMs(): number {
    const t = this.clock();
    if (this.following()) {
      this.followingAt = t;
      return 0;
    }
    return t - Math.max(this.lastCycleAt ?? this.startedAt, this.followingAt ?? -Infinity);
  }

  snapshot(): LoopHealthSnapshot {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const since = this.sinceLastCycleMs();
    const ok = since <= this.staleAfterMs;
    const providers: Record<string, ProviderHealth> = {};
    for (const [name, p] of this.providers) providers[name] = { lastSuccessAt: iso(p.lastSuccessAt), lastError: p.lastError };
    return {
      ok,
      startedAt: iso(this.startedAt)!,
      lastCycleAt: iso(this.lastCycleAt),
      staleAfterSeconds: this.staleAfterMs / 1000,
      cycles: this.cycles,
      providers,
      ...(ok
        ? {}
        : {
            error:
              this.lastCycleAt === null
                ? `no cycle has finished in the ${Math.round(since / 1000)} s since start (a provider or the SSH poll may hang)`
                : `no cycle finished for ${Math.round(since / 1000)} s (more than 3 CHECK_INTERVALs; a provider or the SSH poll may hang)`,
          }),
    };
  }
}
