// Replicas on PostgreSQL (docs/scale-out.md, "What the lease promises"): a `planned` audit row of an earlier lease
// epoch may be a call the previous leader still has on its way. It passed its fence while it held the lease, and one
// provider request may then take up to PROVIDER_TIMEOUT_SECONDS. The new leader leaves such a row alone until that
// long after it took the lease, then claims it for its own epoch (compare and set) before it re-reads the provider,
// so it never sends an act beside the same act still in flight.
import type { ActionRecord } from '../domain/action';

/** What this process holds of the leader lease, asked right when a `planned` row is met. */
export interface LeaseView {
  /** The epoch held, or null when this replica does not lead. */
  epoch: number | null;
  /** How long it has held this epoch (a monotonic clock). */
  heldForMs: number;
}

/** The longest a provider call may still run after its fence: the request timeout, GCP's 5 s deadline margin, 5 s more. */
export function previousCallBoundMs(providerTimeoutSec: number): number {
  return (providerTimeoutSec + 10) * 1000;
}

/**
 * Why this process must leave a `planned` row alone now, or null when it may settle or carry it out (after claiming
 * it, when its epoch is not this process's). Without a lease (a lone controller owns its file) a `planned` row no
 * call of its own is carrying is a crash remnant, free to settle.
 */
export function leftToPreviousLeader(row: Pick<ActionRecord, 'leaseEpoch'>, lease: LeaseView | null, callBoundMs: number): string | null {
  if (lease === null || (lease.epoch !== null && row.leaseEpoch === lease.epoch)) return null;
  if (lease.epoch === null) return 'this replica does not hold the leader lease';
  if (row.leaseEpoch !== null && row.leaseEpoch > lease.epoch) {
    return `planned under lease epoch ${row.leaseEpoch}, newer than this replica's ${lease.epoch}`;
  }
  const waitMs = callBoundMs - lease.heldForMs;
  if (waitMs <= 0) return null;
  const by = row.leaseEpoch === null ? 'a leader of an earlier version' : `the previous leader (lease epoch ${row.leaseEpoch})`;
  return `planned by ${by}, whose call may still be on its way: left to it for ${Math.ceil(waitMs / 1000)} s more`;
}
