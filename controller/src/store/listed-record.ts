// An instance record whose lastInventoryAt follows its provider's latest listing. Every cycle each provider lists its
// whole fleet, and nearly every instance in it is unchanged but for that time: copying 10,000 frozen records to move
// it, and keeping the copies, was a fifth of a 10,000-instance cycle with the garbage collection it caused
// (bench/cycle-profile.ts). The database already keeps the time once per provider (migration 11, instance-row.ts);
// the in-memory copy (instance-cache.ts) does the same: one shared cell per provider, read by each record's
// lastInventoryAt. The record stays frozen and plain to its readers: lastInventoryAt is an own, enumerable property
// (a getter), so JSON, spreads and comparisons see its value; a spread copy is a snapshot.
import { effectiveInventoryAt } from './instance-row';
import type { InstanceRecord } from './types';

/** One provider's latest listing time as this process knows it; undefined until it is known. */
export interface Listing {
  at: number | undefined;
}

const STATE = Symbol('inventory time');

/** Mutable behind the frozen record: detached when the copy drops the record, so an old one stops following. */
interface InventoryTime {
  own: number | null;
  listing: Listing | null;
}

interface Listed {
  readonly [STATE]: InventoryTime;
  readonly state: string;
}

// One function for every record: the records keep one hidden class (a getter made per record would give each its own).
function lastInventoryAt(this: Listed): number | null {
  const s = this[STATE];
  return s.listing === null ? s.own : effectiveInventoryAt(s.own, this.state, s.listing.at);
}

/**
 * `rec` with lastInventoryAt read from `listing` from now on: its own time (the row's, or a snapshot's) while that is
 * later, the provider's listing once it is later, never for a deleted one or one never listed (instance-row.ts).
 */
export function listedRecord(rec: InstanceRecord, listing: Listing): InstanceRecord {
  const { lastInventoryAt: own, ...fields } = rec;
  Object.defineProperty(fields, STATE, { value: { own, listing } satisfies InventoryTime });
  Object.defineProperty(fields, 'lastInventoryAt', { get: lastInventoryAt, enumerable: true });
  return Object.freeze(fields) as InstanceRecord;
}

/**
 * The copy no longer hands `rec` out (its row changed, or the copy was dropped): it keeps the time it shows now and
 * follows no later listing, which may not include it. A record not made by listedRecord is left as it is.
 */
export function detachRecord(rec: InstanceRecord): void {
  const s = (rec as unknown as Partial<Listed>)[STATE];
  if (s === undefined || s.listing === null) return;
  s.own = rec.lastInventoryAt;
  s.listing = null;
}
