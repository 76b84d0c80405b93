// Turns engine decisions into the executor's planned actions, with the idempotency key of each decision.
import type { Decision, EngineInstance } from '../engine';
import { formatDecisionLine } from '../engine';
import type { PlannedAction } from '../executor/executor';

/**
 * Same instance, same kind, same idle (or inactive) stretch => same key. A user who resumes the instance starts a new
 * stretch and so a new key; a controller that restarts mid-action finds the old key and verifies instead of acting again.
 */
export function decisionKey(d: Decision): string {
  const f = d.figures;
  const episode = d.kind === 'pause' ? (f.idleSince ?? f.windowStart) : (f.inactiveSince ?? f.windowStart);
  return `${d.kind}:${d.instanceId}:${Math.round(episode)}`;
}

export function planActions(decisions: readonly Decision[], instances: ReadonlyMap<string, EngineInstance>): PlannedAction[] {
  const out: PlannedAction[] = [];
  for (const d of decisions) {
    if (d.kind === 'none') continue;
    const inst = instances.get(d.instanceId);
    if (!inst || inst.provider === 'manual') continue; // manual hosts have no provider API to act through
    const f = d.figures;
    out.push({
      instanceId: inst.id,
      providerId: inst.providerId,
      provider: inst.provider,
      kind: d.kind,
      reason: d.reason,
      logLine: formatDecisionLine(d, inst),
      decisionKey: decisionKey(d),
      figures: {
        code: d.code,
        samples: f.samples,
        utilMax: f.utilMax,
        utilMean: f.utilMean,
        thresholdPct: f.thresholdPct,
        windowStart: f.windowStart,
        windowEnd: f.windowEnd,
        idleSince: f.idleSince,
        inactiveSince: f.inactiveSince,
        source: f.source,
        pricePerHour: inst.pricePerHour,
        stoppedPricePerHour: inst.stoppedPricePerHour,
        stateBefore: inst.state,
      },
    });
  }
  return out;
}
