// Cycle step 4, decide: each current instance through decideInstance (decide-instance.ts: its engine inputs and idle
// clock through the engine's pure decide()), the store and config read once for the whole fleet. The views decide an
// instance the cycle has not decided with the same function (docs/architecture.md), so both always agree on the rule.
import type { Decision } from '../../engine';
import type { InstanceRecord } from '../../store';
import { type Decided, type DecideDeps, decideBatch, decideInstance } from '../decide-instance';

export interface DecidedFleet {
  at: number;
  decisions: Decision[];
  /** By instance id: each decision with its inputs (kept as is by last-decisions.ts, not copied; the plan step reads the instances here). */
  inputs: Map<string, Decided>;
}

/** `previous`: the last cycle's fleet, whose EngineInstances are reused where nothing in them changed. */
export function decideFleet(d: DecideDeps, current: readonly InstanceRecord[], now: number, previous?: DecidedFleet): DecidedFleet {
  const batch = decideBatch(d, now, previous?.inputs, true);
  const inputs = new Map<string, Decided>();
  const decisions: Decision[] = [];
  for (const rec of current) {
    const decided = decideInstance(d, rec, batch);
    inputs.set(rec.id, decided);
    decisions.push(decided.decision);
  }
  return { at: now, decisions, inputs };
}
