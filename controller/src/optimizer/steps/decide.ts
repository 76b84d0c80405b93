// Cycle step 4, decide: each current instance's engine inputs (inventory record, holds, recent audit rows, keyboard
// evidence, a contested agent) and idle clock go through the engine's pure decide(). The HTTP views use the same
// functions for an instance the cycle has not decided (docs/architecture.md), so both always agree on the rule.
import type { Config } from '../../config/config';
import type { ProviderName } from '../../domain/instance';
import { type Contested, type Decision, type DecideOptions, type EngineInstance, type IdleState, decideOne, engineTimes } from '../../engine';
import type { Provider } from '../../providers/provider';
import type { InstanceRecord, Store } from '../../store';
import { type FleetContext, fleetContext, toEngineInstance } from '../engine-inputs';
import type { IdleTracker } from '../idle-tracker';

export interface DecideDeps {
  config: Config;
  store: Store;
  idle: Pick<IdleTracker, 'get'>;
  providers: ReadonlyMap<ProviderName, Provider>;
  /** One voice per instance: a recent competing agent connection (docs/security.md). */
  contested?: (instanceId: string) => Contested | null;
}

/** What one decision was made from: kept so `explain` can show the rules' detail for exactly that decision. */
export interface DecisionInputs {
  instance: EngineInstance;
  idle: IdleState | null;
}

/** One decision with what it was made from and when (epoch ms): what the views show and explain details. */
export interface Decided extends DecisionInputs {
  decision: Decision;
  at: number;
}

export interface DecidedFleet {
  at: number;
  decisions: Decision[];
  /** By instance id: each decision with its inputs (kept as is by last-decisions.ts, not copied; the plan step reads the instances here). */
  inputs: Map<string, Decided>;
}

/** What each provider can do: one that cannot pause or delete is never asked to. */
export function capabilitiesOf(providers: ReadonlyMap<ProviderName, Provider>): NonNullable<DecideOptions['capabilities']> {
  const out: NonNullable<DecideOptions['capabilities']> = {};
  for (const [n, p] of providers) out[n] = { canPause: p.capabilities.canPause, canDelete: p.capabilities.canDelete };
  return out;
}

/** The engine's view of one instance; `ctx` (one read of the audit log and holds) when deciding many. */
function engineInstanceFor(d: DecideDeps, rec: InstanceRecord, now: number, ctx?: FleetContext): EngineInstance {
  return toEngineInstance(rec, d.store, now, d.config.dryRun, ctx, d.contested?.(rec.id) ?? null);
}

/** The engine's inputs for one instance: its engine view and idle clock. */
export function inputsFor(d: DecideDeps, rec: InstanceRecord, now: number, ctx?: FleetContext): DecisionInputs {
  return { instance: engineInstanceFor(d, rec, now, ctx), idle: d.idle.get(rec.id) };
}

/** One decision from its inputs; `checks` adds every rule's detail line (explain). */
export function decideFrom(d: Pick<DecideDeps, 'config' | 'providers'>, inputs: DecisionInputs, now: number, checks = false): Decision {
  return decideOne(inputs.instance, inputs.idle, d.config, now, { capabilities: capabilitiesOf(d.providers), checks });
}

export function decideFleet(d: DecideDeps, current: readonly InstanceRecord[], now: number): DecidedFleet {
  const ctx = fleetContext(d.store, now);
  const opts = { capabilities: capabilitiesOf(d.providers) };
  const times = engineTimes(d.config);
  const inputs = new Map<string, Decided>();
  const decisions: Decision[] = [];
  // One object per instance beside the engine's own, and one map: at 10,000 instances a cycle's allocations are its GC time.
  for (const rec of current) {
    const instance = engineInstanceFor(d, rec, now, ctx);
    const idle = d.idle.get(rec.id);
    const decision = decideOne(instance, idle, d.config, now, opts, times);
    inputs.set(rec.id, { instance, idle, decision, at: now });
    decisions.push(decision);
  }
  return { at: now, decisions, inputs };
}
