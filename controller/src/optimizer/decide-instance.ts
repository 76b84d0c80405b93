// Builds one instance's engine inputs (inventory record, holds, recent audit rows, keyboard evidence, a contested
// agent, its idle clock) and decides it with the engine's pure decide(). The cycle's decide step (steps/decide.ts) calls
// it for every current instance; the views (views/engine-view.ts) for one the cycle has not decided, so both always
// agree on the rule (docs/architecture.md).
import type { Config } from '../config/config';
import type { ProviderName } from '../domain/instance';
import { type Contested, type Decision, type DecideOptions, type EngineInstance, type EngineTimes, type IdleState, decideOne, engineTimes } from '../engine';
import type { Provider } from '../providers/provider';
import type { InstanceRecord, Store } from '../store';
import { type FleetContext, fleetContext, toEngineInstance } from './engine-inputs';
import type { IdleTracker } from './idle-tracker';

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

/** What deciding many instances at one time reads once: the audit log and holds, what providers can do, the engine's times. */
export interface DecideBatch {
  at: number;
  fleet: FleetContext;
  options: DecideOptions;
  times: EngineTimes;
  /** The last cycle's decisions by instance id: an EngineInstance that would be the same is reused (engine-inputs.ts). */
  previous?: ReadonlyMap<string, DecisionInputs>;
}

/** What each provider can do: one that cannot pause or delete is never asked to. */
export function capabilitiesOf(providers: ReadonlyMap<ProviderName, Provider>): NonNullable<DecideOptions['capabilities']> {
  const out: NonNullable<DecideOptions['capabilities']> = {};
  for (const [n, p] of providers) out[n] = { canPause: p.capabilities.canPause, canDelete: p.capabilities.canDelete };
  return out;
}

/**
 * One read of the store and the config for deciding many instances at `now` (a cycle's fleet, the dashboard's page).
 * `defer`: decisions to do nothing leave their reason and figures to be built when read (the cycle's whole fleet, of
 * which the plan reads only the actions; engine/deferred-decision.ts).
 */
export function decideBatch(d: DecideDeps, now: number, previous?: ReadonlyMap<string, DecisionInputs>, defer = false): DecideBatch {
  const options = { capabilities: capabilitiesOf(d.providers), defer };
  return { at: now, fleet: fleetContext(d.store, now), options, times: engineTimes(d.config), previous };
}

/** The engine's inputs for one instance: its engine view and idle clock; `fleet` (one read of the audit log and holds) when deciding many. */
export function inputsFor(d: DecideDeps, rec: InstanceRecord, now: number, fleet?: FleetContext): DecisionInputs {
  return { instance: toEngineInstance(rec, d.store, now, d.config.dryRun, fleet, d.contested?.(rec.id) ?? null), idle: d.idle.get(rec.id) };
}

/** One decision from its inputs; `checks` adds every rule's detail line (explain). */
export function decideFrom(d: Pick<DecideDeps, 'config' | 'providers'>, inputs: DecisionInputs, now: number, checks = false): Decision {
  return decideOne(inputs.instance, inputs.idle, d.config, now, { capabilities: capabilitiesOf(d.providers), checks });
}

/**
 * Builds the instance's inputs and decides it: at `batch.at` with what the batch read once, or alone at `now`.
 * One object per instance beside the engine's own: at 10,000 instances a cycle's allocations are its GC time.
 */
export function decideInstance(d: DecideDeps, rec: InstanceRecord, at: number | DecideBatch): Decided {
  if (typeof at === 'number') {
    const inputs = inputsFor(d, rec, at);
    return { instance: inputs.instance, idle: inputs.idle, decision: decideFrom(d, inputs, at), at };
  }
  const previous = at.previous?.get(rec.id)?.instance ?? null;
  const instance = toEngineInstance(rec, d.store, at.at, d.config.dryRun, at.fleet, d.contested?.(rec.id) ?? null, previous);
  const idle = d.idle.get(rec.id);
  return { instance, idle, decision: decideOne(instance, idle, d.config, at.at, at.options, at.times), at: at.at };
}
