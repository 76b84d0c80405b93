// Which replica runs the cycle and acts (docs/scale-out.md): on PostgreSQL the holder of the leader lease, renewed
// every third of LEADER_LEASE_SECONDS; on SQLite the one process that owns the file, always. Every provider call is
// fenced: made only while the lease, checked in the database right then, has a third of its term left.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { LeaseView } from '../executor/previous-leader';
import type { Logger } from '../log';
import type { Store } from '../store';

export type Role = 'leader' | 'follower';

export interface LeaderInfo {
  /** The replica holding the lease (this one when leading); null when nobody does. */
  replica: string | null;
  /** When the leader last finished a cycle, or null. */
  lastCycleAt: number | null;
}

export interface LeadershipOptions {
  store: Store;
  replicaId: string;
  /**
   * This process's holder name in the lease: REPLICA_ID plus a random suffix by default, so two processes given one
   * REPLICA_ID (two on a host, a copied settings file) never both pass for the holder.
   */
  holderId?: string;
  leaseSec: number;
  logger: Logger;
  /** Told on every change of role (the cycle reloads its idle clocks from the store on becoming leader). */
  onChange?: (role: Role) => void;
}

/** A holder name unique to this process: REPLICA_ID, '#', 8 random hex digits. */
export function processHolderId(replicaId: string): string {
  return `${replicaId}#${randomBytes(4).toString('hex')}`;
}

/** The REPLICA_ID part of a holder name. */
export function replicaOf(holder: string): string {
  const i = holder.lastIndexOf('#');
  return i < 0 ? holder : holder.slice(0, i);
}

export class Leadership {
  private epoch: number | null = null;
  /** When this process came to hold its current epoch (performance.now()). */
  private epochSince = 0;
  /** How long before that the lease held before this epoch had run out (the database's clock); Infinity: none. */
  private vacantMs = Infinity;
  private timer: NodeJS.Timeout | null = null;
  private readonly leaseMs: number;
  private lastError: string | null = null;

  /** The lease's holder name for this process (REPLICA_ID#random). */
  readonly holder: string;

  constructor(private readonly o: LeadershipOptions) {
    this.leaseMs = o.leaseSec * 1000;
    this.holder = o.holderId ?? processHolderId(o.replicaId);
    // One process on its own file leads from the start; replicas take turns through the lease.
    if (o.store.lease === null) this.epoch = 1;
  }

  get role(): Role {
    return this.epoch === null ? 'follower' : 'leader';
  }

  get replica(): string {
    return this.o.replicaId;
  }

  /** Takes or renews the lease now; returns the role. A database error makes this replica a follower until it answers. */
  tick(): Role {
    const lease = this.o.store.lease;
    if (lease === null) return 'leader';
    const before = this.role;
    try {
      const took = lease.take(this.holder, this.leaseMs);
      const epoch = took?.epoch ?? null;
      if (epoch !== this.epoch) {
        this.epochSince = performance.now();
        this.vacantMs = took?.previousEndedMsAgo == null ? Infinity : Math.max(0, took.previousEndedMsAgo);
      }
      this.epoch = epoch;
      if (this.lastError !== null) this.o.logger.info('leader lease: the database answers again');
      this.lastError = null;
    } catch (err) {
      // Unknown is not leadership: without a lease this replica does not act.
      this.epoch = null;
      const msg = err instanceof Error ? err.message : String(err);
      if (msg !== this.lastError) this.o.logger.error(`leader lease: cannot reach the database, acting as a follower: ${msg}`);
      this.lastError = msg;
    }
    if (this.role !== before) {
      this.o.logger.warn(
        this.role === 'leader'
          ? `replica ${this.o.replicaId} is now the leader (lease epoch ${this.epoch})`
          : `replica ${this.o.replicaId} is no longer the leader`,
      );
      this.o.onChange?.(this.role);
    }
    return this.role;
  }

  /**
   * Why this replica must not call a provider now, or null when it may: the lease is checked in the database, with a
   * third of its term to spare, so a replica that stalled (GC, lost connection) after its last renewal never acts.
   */
  fence(): string | null {
    const lease = this.o.store.lease;
    if (lease === null) return null;
    const epoch = this.epoch;
    if (epoch === null) return `replica ${this.o.replicaId} is not the leader`;
    try {
      if (lease.held(this.holder, epoch, this.leaseMs / 3)) return null;
    } catch (err) {
      return `cannot confirm the leader lease: ${err instanceof Error ? err.message : String(err)}`;
    }
    return `replica ${this.o.replicaId} no longer holds the leader lease (epoch ${epoch})`;
  }

  /** The epoch held and how long ago the lease before it ran out (the rule for a previous leader's `planned` rows). */
  view(): LeaseView {
    return { epoch: this.epoch, sincePreviousLeaseMs: this.epoch === null ? 0 : this.vacantMs + (performance.now() - this.epochSince) };
  }

  /** The leader's name and last cycle, as the database says (followers show it on /healthz). */
  leader(): LeaderInfo {
    const lease = this.o.store.lease;
    if (lease === null) return { replica: this.o.replicaId, lastCycleAt: null };
    try {
      const s = lease.read();
      if (s === null || s.remainingMs <= 0) return { replica: null, lastCycleAt: s?.lastCycleAt ?? null };
      return { replica: replicaOf(s.holder), lastCycleAt: s.lastCycleAt };
    } catch (err) {
      this.o.logger.warn(`leader lease: cannot read it: ${err instanceof Error ? err.message : String(err)}`);
      return { replica: null, lastCycleAt: null };
    }
  }

  /** Records a finished cycle in the lease row, for the followers' /healthz. */
  cycled(at: number): void {
    const lease = this.o.store.lease;
    if (lease === null || this.epoch === null) return;
    try {
      lease.cycled(this.holder, this.epoch, at);
    } catch (err) {
      this.o.logger.warn(`leader lease: cannot record the cycle: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Renews every third of the lease until stop(). */
  start(): void {
    if (this.o.store.lease === null || this.timer !== null) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), Math.max(250, this.leaseMs / 3));
    this.timer.unref();
  }

  /** Stops renewing and, when leading, gives the lease up so another replica leads at once. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const lease = this.o.store.lease;
    if (lease === null || this.epoch === null) return;
    const epoch = this.epoch;
    this.epoch = null;
    try {
      lease.release(this.holder, epoch);
    } catch (err) {
      this.o.logger.warn(`leader lease: cannot release it (it expires on its own): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
