// The HTTP API's view of the engine, shared by /api/status, /api/instances/:id, the dashboard and `explain`: each
// instance shows the decision the last cycle made (optimizer/last-decisions.ts). One the cycle has not decided (before
// the first cycle, a provider whose list failed, an operator act since) is decided with the cycle's own function
// (optimizer/decide-instance.ts).
// Savings come from the audit log.
import type { Decision } from '../engine';
import { explain } from '../engine';
import type { DecisionView, InstanceView } from '../http/decision-view';
import { type DecideBatch, type Decided, type DecideDeps, decideBatch, decideFrom, decideInstance, inputsFor } from '../optimizer/decide-instance';
import type { LastDecisions } from '../optimizer/last-decisions';
import type { InstanceRecord } from '../store';
import { savingsFromStore } from '../savings/store-savings';
import { type WouldHave, wouldHaveFromStore } from '../savings/would-have';

export interface EngineViewDeps extends DecideDeps {
  last: LastDecisions;
}

/** The instance's decision as the view shows it: the last cycle's, else decided now. `checks` adds the rules' detail. */
export function decisionFor(d: EngineViewDeps, rec: InstanceRecord, now: number, checks = false): Decided {
  const last = d.last.get(rec.id);
  // Explain re-runs the pure engine on the very inputs of the cycle's decision, at its time: the same decision, with
  // every rule's detail line (too costly to build for a whole fleet each cycle).
  if (last !== null) return checks ? { ...last, decision: decideFrom(d, last, last.at, true) } : last;
  if (!checks) return decideInstance(d, rec, now);
  const inputs = inputsFor(d, rec, now);
  return { ...inputs, decision: decideFrom(d, inputs, now, true), at: now };
}

export function instanceViewOf(decision: Decision, decidedAt: number): InstanceView {
  const f = decision.figures;
  const next = f.next;
  return {
    idleSince: f.idleSince,
    protected: f.protection.length > 0,
    nextAction:
      next === null
        ? null
        : { kind: next.kind === 'warn-delete' ? 'warn' : next.kind === 'warn-pause' ? 'pause' : next.kind, at: next.at, reason: decision.reason },
    decidedAt,
    runningSince: f.runningSince,
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
    instance: (rec, now) => {
      const s = decisionFor(d, rec, now);
      return instanceViewOf(s.decision, s.at);
    },
    instances: (recs, now) => {
      // The audit log and holds read once for every instance the cycle has not decided (the dashboard at 1,000).
      let batch: DecideBatch | null = null;
      return recs.map((rec) => {
        const last = d.last.get(rec.id);
        if (last !== null) return instanceViewOf(last.decision, last.at);
        batch ??= decideBatch(d, now);
        return instanceViewOf(decideInstance(d, rec, batch).decision, now);
      });
    },
    savings: (now) => ({
      ...savingsFromStore(d.store, now, d.config.deleteSavingsHorizonDays),
      ...(d.config.dryRun ? { wouldHave: wouldHave(now) } : {}),
    }),
    explain: (rec, now) => {
      const { decision, instance, at } = decisionFor(d, rec, now, true);
      return {
        text: explain(decision, instance),
        kind: decision.kind,
        code: decision.code,
        reason: decision.reason,
        checks: decision.checks,
        figures: decision.figures,
        decidedAt: new Date(at).toISOString(),
      };
    },
  };
}
