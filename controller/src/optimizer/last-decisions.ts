// The last cycle's decisions, by instance: what /api/status, the dashboard and explain show, so they say what the
// cycle decided rather than deciding again. An operator act (hold, release, resume) forgets the instance's entry: its
// inputs changed, and the view decides it afresh until the next cycle (docs/architecture.md). An act that lands while
// a cycle runs is newer than that cycle's decision, so the cycle does not put the older decision back.
import type { Decision } from '../engine';
import type { DecidedFleet, DecisionInputs } from './steps/decide';

export interface LastDecision extends DecisionInputs {
  decision: Decision;
  /** When the cycle decided (epoch ms); the engine's figures are as of then. */
  at: number;
}

/** Taken before a cycle reads its inputs: which forget() calls that cycle's decisions already saw. */
export type DecisionEpoch = number;

export class LastDecisions {
  private readonly byId = new Map<string, LastDecision>();
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
  set(fleet: DecidedFleet, since: DecisionEpoch): void {
    this.byId.clear();
    for (const decision of fleet.decisions) {
      const id = decision.instanceId;
      const inputs = fleet.inputs.get(id);
      if (!inputs || (this.forgotten.get(id) ?? -1) >= since) continue;
      this.byId.set(id, { ...inputs, decision, at: fleet.at });
    }
    for (const [id, at] of this.forgotten) if (at < since) this.forgotten.delete(id);
  }

  get(instanceId: string): LastDecision | null {
    return this.byId.get(instanceId) ?? null;
  }

  forget(instanceId: string): void {
    this.byId.delete(instanceId);
    this.forgotten.set(instanceId, this.epoch++);
  }

  get size(): number {
    return this.byId.size;
  }
}
