// The last cycle's decisions, by instance: what /api/status, the dashboard and explain show, so they say what the
// cycle decided rather than deciding again. The cycle sets them as soon as it has decided (before it acts). An operator
// act (hold, release, resume) forgets the instance's entry: its inputs changed, and the view decides it afresh until
// the next cycle (docs/architecture.md).
import type { Decided } from './decide-instance';

export type LastDecision = Decided;

export class LastDecisions {
  /** The last cycle's decisions by id, kept as the cycle made them (no copy: 10,000 entries a cycle). */
  private byId: ReadonlyMap<string, Decided> = new Map();
  /** Entries of `byId` not to show: an operator act changed their inputs after the cycle read them. */
  private readonly stale = new Set<string>();

  /** Replaces everything with one cycle's decisions: an instance that cycle did not decide has no entry. */
  set(fleet: { inputs: ReadonlyMap<string, Decided> }): void {
    this.byId = fleet.inputs;
    this.stale.clear();
  }

  get(instanceId: string): LastDecision | null {
    return this.stale.has(instanceId) ? null : (this.byId.get(instanceId) ?? null);
  }

  forget(instanceId: string): void {
    this.stale.add(instanceId);
  }

  /** How many decisions are shown. */
  get size(): number {
    let n = this.byId.size;
    for (const id of this.stale) if (this.byId.has(id)) n--;
    return n;
  }
}
