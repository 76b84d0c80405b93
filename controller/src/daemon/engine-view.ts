// The HTTP API's view of the engine: each instance decided afresh with its current idle state (cheap, pure), savings
// from the audit log, and the explain text. Shared by /api/status, /api/instances/:id, the dashboard and `explain`.
import type { Config } from '../config/config';
import { type Contested, type Decision, type EngineInstance, decideOne, explain } from '../engine';
import type { DecisionView, InstanceView } from '../http/decision-view';
import { fleetContext, toEngineInstance } from '../optimizer/engine-inputs';
import type { IdleTracker } from '../optimizer/idle-tracker';
import type { InstanceRecord, Store } from '../store';
import { savingsFromStore } from './savings-view';
import { type WouldHave, wouldHaveFromStore } from './would-have-view';

export interface EngineViewDeps {
  store: Store;
  idle: IdleTracker;
  config: Config;
  capabilities: () => Partial<Record<string, { canPause: boolean; canDelete: boolean }>>;
  /** One voice per instance: the ingest's contest for the instance, if any. */
  contested?: (instanceId: string) => Contested | null;
}

/** `checks` builds every rule's detail line: only for explain (it costs time across a whole fleet). */
export function decisionFor(d: EngineViewDeps, rec: InstanceRecord, now: number, checks = false): { decision: Decision; instance: EngineInstance } {
  const instance = { ...toEngineInstance(rec, d.store, now, d.config.dryRun), contested: d.contested?.(rec.id) ?? null };
  const decision = decideOne(instance, d.idle.get(rec.id), d.config, now, { capabilities: d.capabilities(), checks });
  return { decision, instance };
}

export function instanceViewOf(decision: Decision): InstanceView {
  const f = decision.figures;
  const next = f.next;
  return {
    idleSince: f.idleSince,
    protected: f.protection.length > 0,
    nextAction:
      next === null
        ? null
        : { kind: next.kind === 'warn-delete' ? 'warn' : next.kind === 'warn-pause' ? 'pause' : next.kind, at: next.at, reason: decision.reason },
  };
}

export function createEngineView(d: EngineViewDeps): DecisionView {
  // The dry-run figures read samples after each would-be action: worked out at most every 30 s, not per refresh.
  let cached: { at: number; value: WouldHave } | null = null;
  const memo = new Map<string, number>();
  const wouldHave = (now: number): WouldHave => {
    if (cached === null || now - cached.at > 30_000 || now < cached.at) {
      const idleSince = (id: string) => {
        const rec = d.store.getInstance(id);
        return rec === null || rec.state !== 'running' ? null : decisionFor(d, rec, now).decision.figures.idleSince;
      };
      const opts = { days: 7, threshold: d.config.pauseThresholdGpu, horizonDays: d.config.deleteSavingsHorizonDays };
      cached = { at: now, value: wouldHaveFromStore(d.store, now, opts, { idleSince, memo }) };
    }
    return cached.value;
  };
  return {
    instance: (rec, now) => instanceViewOf(decisionFor(d, rec, now).decision),
    instances: (recs, now) => {
      const fc = fleetContext(d.store, now);
      const caps = d.capabilities();
      return recs.map((rec) => {
        const instance = { ...toEngineInstance(rec, d.store, now, d.config.dryRun, fc), contested: d.contested?.(rec.id) ?? null };
        return instanceViewOf(decideOne(instance, d.idle.get(rec.id), d.config, now, { capabilities: caps }));
      });
    },
    savings: (now) => ({
      ...savingsFromStore(d.store, now, d.config.deleteSavingsHorizonDays),
      ...(d.config.dryRun ? { wouldHave: wouldHave(now) } : {}),
    }),
    explain: (rec, now) => {
      const { decision, instance } = decisionFor(d, rec, now, true);
      return {
        text: explain(decision, instance),
        kind: decision.kind,
        code: decision.code,
        reason: decision.reason,
        checks: decision.checks,
        figures: decision.figures,
      };
    },
  };
}
