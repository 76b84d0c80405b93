// The last cycle's decisions, by instance: what /api/status, the dashboard and explain show, so they say what the
// cycle decided rather than deciding again. An operator act (hold, release, resume) forgets the instance's entry: its
// inputs changed, and the view decides it afresh until the next cycle (docs/architecture.md).
import type { Decision } from '../engine';
import type { DecidedFleet, DecisionInputs } from './steps/decide';

export interface LastDecision extends DecisionInputs {
  decision: Decision;
  /** When the cycle decided (epoch ms); the engine's figures are as of then. */
  at: number;
}

export class LastDecisions {
  private readonly byId = new Map<string, LastDecision>();

  /** Replaces everything with one cycle's decisions: an instance that cycle did not decide has no entry. */
  set(fleet: DecidedFleet): void {
    this.byId.clear();
    for (const decision of fleet.decisions) {
      const inputs = fleet.inputs.get(decision.instanceId);
      if (inputs) this.byId.set(decision.instanceId, { ...inputs, decision, at: fleet.at });
    }
  }

  get(instanceId: string): LastDecision | null {
    return this.byId.get(instanceId) ?? null;
  }

  forget(instanceId: string): void {
    this.byId.delete(instanceId);
  }

  get size(): number {
    return this.byId.size;
  }
}
