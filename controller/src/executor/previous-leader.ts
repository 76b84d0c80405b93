// Replicas on PostgreSQL (docs/scale-out.md, "What the lease promises"): a `planned` audit row of an earlier lease
// epoch may be a call the previous leader still has on its way. It passed its fence while it held the lease; the
// request may then wait its turn at the provider's rate limit and take up to PROVIDER_TIMEOUT_SECONDS. The new leader
// leaves such a row alone until that long after the previous lease ran out, then claims it for its own epoch (compare
// and set) before it re-reads the provider, so it never sends an act beside the same act still in flight.
import type { ActionRecord } from '../domain/action';

/** What this process holds of the leader lease, asked right when a `planned` row is met. */
export interface LeaseView {
  /** The epoch held, or null when this replica does not lead. */
  epoch: number | null;
  /**
   * How long ago the lease held before this epoch ran out: the database's clock when this process took it, then this
   * process's monotonic clock; Infinity when there was none. Every call of an earlier epoch passed its fence before
   * then, so this is the earliest its last call can have left, whichever process asks (a one-shot `run-once` too).
   */
  sincePreviousLeaseMs: number;
}

/**
 * What a request may wait at a provider's rate limit after its fence: the executor's 8 workers queued behind Vast.ai's
 * 3 s spacing of deletes, the widest of the providers' gates (providers/vast/vast-provider.ts).
 */
const RATE_LIMIT_QUEUE_MS = 8 * 3_000;

/**
 * The longest a provider call may still run after its fence: its turn at the rate limit, the request timeout, GCP's
 * 5 s deadline margin, and 5 s more.
 */
export function previousCallBoundMs(providerTimeoutSec: number): number {
  return RATE_LIMIT_QUEUE_MS + (providerTimeoutSec + 10) * 1000;
}

/**
 * Why this process must leave a `planned` row alone now, or null when it may settle or carry it out (after claiming
 * it, when its epoch is not this process's). Without a lease (a lone controller owns its file) a `planned` row no
 * call of its own is carrying is a crash remnant, free to settle.
 */
function leftToPreviousLeader(row: Pick<ActionRecord, 'leaseEpoch'>, lease: LeaseView | null, callBoundMs: number): string | null {
  if (lease === null || (lease.epoch !== null && row.leaseEpoch === lease.epoch)) return null;
  if (lease.epoch === null) return 'this replica does not hold the leader lease';
  if (row.leaseEpoch !== null && row.leaseEpoch > lease.epoch) {
    return `planned under lease epoch ${row.leaseEpoch}, newer than this replica's ${lease.epoch}`;
  }
  const waitMs = callBoundMs - lease.sincePreviousLeaseMs;
  if (waitMs <= 0) return null;
  const by = row.leaseEpoch === null ? 'a leader of an earlier version' : `the previous leader (lease epoch ${row.leaseEpoch})`;
  return `planned by ${by}, whose call may still be on its way: left to it for ${Math.ceil(waitMs / 1000)} s more`;
}

/**
 * Whether this process may settle or carry out an existing `planned` or `failed` row now. Null: yes, and the row is
 * claimed for its epoch where it was another's. Else why not, and whether to look again later (`wait`: a previous
 * leader's call may still be on its way) or leave it to the replica that took it.
 */
export function takeOver(
  row: Pick<ActionRecord, 'id' | 'status' | 'leaseEpoch'>,
  lease: LeaseView | null,
  callBoundMs: number | undefined,
  claim: (id: number, from: number | null, to: number) => boolean,
): { why: string; wait: boolean } | null {
  if (row.status === 'planned') {
    const why = leftToPreviousLeader(row, lease, callBoundMs ?? previousCallBoundMs(30));
    if (why !== null) return { why, wait: true };
  }
  if (lease?.epoch == null || row.leaseEpoch === lease.epoch || claim(row.id, row.leaseEpoch, lease.epoch)) return null;
  return { why: `held under lease epoch ${row.leaseEpoch ?? 'unknown'}, not taken over by this replica (epoch ${lease.epoch})`, wait: false };
}
