// The HTTP API's view of the engine: each instance decided afresh with its current idle state (cheap, pure), savings
// from the audit log, and the explain text. Shared by /api/status, /api/instances/:id, the dashboard and `explain`.
import type { Config } from '../config/config';
import { type Decision, type EngineInstance, decideOne, explain } from '../engine';
import type { DecisionView, InstanceView } from '../http/decision-view';
import { fleetContext, toEngineInstance } from '../optimizer/engine-inputs';
import type { IdleTracker } from '../optimizer/idle-tracker';
import type { InstanceRecord, Store } from '../store';
import { savingsFromStore } from './savings-view';

export interface EngineViewDeps {
  store: Store;
  idle: IdleTracker;
  config: Config;
  capabilities: () => Partial<Record<string, { canPause: boolean; canDelete: boolean }>>;
}

/** `checks` builds every rule's detail line: only for explain (it costs time across a whole fleet). */
export function decisionFor(d: EngineViewDeps, rec: InstanceRecord, now: number, checks = false): { decision: Decision; instance: EngineInstance } {
  const instance = toEngineInstance(rec, d.store, now, d.config.dryRun);
  const decision = decideOne(instance, d.idle.get(rec.id), d.config, now, { capabilities: d.capabilities(), checks });
  return { decision, instance };
}

export function instanceViewOf(decision: Decision): InstanceView {
  const f = decision.figures;
  const next = f.next;
  return {
    idleSince: f.idleSince,
    protected: f.protection.length > 0,
    nextAction: next === null ? null : { kind: next.kind === 'warn-delete' ? 'warn' : next.kind === 'warn-pause' ? 'pause' : next.kind, at: next.at, reason: decision.reason },
  };
}

export function createEngineView(d: EngineViewDeps): DecisionView {
  return {
    instance: (rec, now) => instanceViewOf(decisionFor(d, rec, now).decision),
    instances: (recs, now) => {
      const fc = fleetContext(d.store, now);
      const caps = d.capabilities();
      return recs.map((rec) => instanceViewOf(decideOne(toEngineInstance(rec, d.store, now, d.config.dryRun, fc), d.idle.get(rec.id), d.config, now, { capabilities: caps })));
    },
    savings: (now) => ({ ...savingsFromStore(d.store, now) }),
    explain: (rec, now) => {
      const { decision, instance } = decisionFor(d, rec, now, true);
      return { text: explain(decision, instance), kind: decision.kind, code: decision.code, reason: decision.reason, checks: decision.checks, figures: decision.figures };
    },
  };
}
