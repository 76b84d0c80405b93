// The last cycle's decisions, by instance: what /api/status, the dashboard and explain show, so they say what the
// cycle decided rather than deciding again. An operator act (hold, release, resume) forgets the instance's entry: its
// inputs changed, and the view decides it afresh until the next cycle (docs/architecture.md). An act that lands while
// a cycle runs is newer than that cycle's decision, so the cycle does not put the older decision back.
import type { Decided, DecidedFleet } from './steps/decide';

export type LastDecision = Decided;

/** Taken before a cycle reads its inputs: which forget() calls that cycle's decisions already saw. */
export type DecisionEpoch = number;

export class LastDecisions {
  /** The last cycle's decisions by id, kept as the cycle made them (no copy: 10,000 entries a cycle). */
  private byId: ReadonlyMap<string, Decided> = new Map();
  /** Entries of `byId` not to show: an operator act changed their inputs after the cycle read them. */
  private readonly stale = new Set<string>();
  private epoch = 0;
  /** The epoch of each instance's latest forget(), until a cycle that began after it has decided it. */
  private readonly forgotten = new Map<string, DecisionEpoch>();

  /** Call before reading a cycle's inputs; pass the result to set(). */
  begin(): DecisionEpoch {
    return this.epoch;
  }

  /**
   * Replaces everything with one cycle's decisions: an instance that cycle did not decide has no entry, nor one
   * forgotten after `since` (the cycle decided it from inputs an operator act has changed since).
   */
  set(fleet: Pick<DecidedFleet, 'inputs'>, since: DecisionEpoch): void {
    this.byId = fleet.inputs;
    this.stale.clear();
    for (const [id, at] of this.forgotten) {
      if (at >= since) this.stale.add(id);
      else this.forgotten.delete(id);
    }
  }

  get(instanceId: string): LastDecision | null {
    return this.stale.has(instanceId) ? null : (this.byId.get(instanceId) ?? null);
  }

  forget(instanceId: string): void {
    this.stale.add(instanceId);
    this.forgotten.set(instanceId, this.epoch++);
  }

  /** How many decisions are shown. */
  get size(): number {
    let n = this.byId.size;
    for (const id of this.stale) if (this.byId.has(id)) n--;
    return n;
  }
}
