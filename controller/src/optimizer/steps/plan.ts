// Cycle step 5, plan: the engine's decisions become the executor's planned actions, each with its idempotency key and
// the message a person gets once it is done.
import type { Decision, EngineInstance } from '../../engine';
import { formatDecisionLine } from '../../engine';
import type { PlannedAction } from '../../executor/executor';
import { type MessageContext, deleteWarningText, pausedText, pauseWarningText, deletedText, subjectOf } from '../../notify/messages';

/** What the notifications need beyond the decision: PUBLIC_URL for the links, the delete threshold for "what next". */
export interface NoticeContext extends MessageContext {
  deleteThresholdHours: number;
}

/**
 * Same instance, same kind, same idle (or inactive) stretch => same key. A user who resumes the instance starts a new
 * stretch and so a new key; a controller that restarts mid-action finds the old key and verifies instead of acting again.
 */
export function decisionKey(d: Decision): string {
  const f = d.figures;
  // A pause warning belongs to its idle episode, restarted by a hold, release or resume (a new warning is due then).
  const episode =
    d.kind === 'warn-pause'
      ? (f.pauseWarnEpisode ?? f.idleSince ?? f.windowStart)
      : d.kind === 'pause'
        ? (f.idleSince ?? f.windowStart)
        : (f.inactiveSince ?? f.windowStart);
  return `${d.kind}:${d.instanceId}:${Math.round(episode)}`;
}

/** The message a person gets once the action is done (or, for a warning, sent). */
export function noticeFor(d: Decision, inst: EngineInstance, ctx: NoticeContext): string {
  const s = subjectOf(inst);
  const f = d.figures;
  const idle = { idleSince: f.idleSince, utilMax: f.utilMax, utilMean: f.utilMean, thresholdPct: f.thresholdPct, samples: f.samples, source: f.source };
  switch (d.kind) {
    case 'warn-pause':
      return pauseWarningText(s, ctx, { ...idle, at: f.pauseAt ?? f.now }, f.now);
    case 'pause':
      return pausedText(s, ctx, { ...idle, deleteAfterHours: ctx.deleteThresholdHours, noDelete: f.policy?.noDelete ?? false }, f.now);
    case 'warn-delete':
      return deleteWarningText(s, ctx, { at: f.deleteAt ?? f.now, inactiveSince: f.inactiveSince, state: f.state }, f.now);
    default:
      return deletedText(s, ctx, { inactiveSince: f.inactiveSince, state: f.state }, f.now);
  }
}

/** `instances` finds each decision's instance by id (a Map, or the decide step's inputs seen through one). */
export function planActions(
  decisions: readonly Decision[],
  instances: Pick<ReadonlyMap<string, EngineInstance>, 'get'>,
  notices: NoticeContext,
): PlannedAction[] {
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
      notice: noticeFor(d, inst, notices),
      subject: subjectOf(inst),
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
        // A pause warning's spell and pause time: what a false alarm is measured from (false-alarm-log.ts).
        ...(d.kind === 'warn-pause' ? { episodeStart: f.pauseWarnEpisode ?? f.idleSince, pauseAt: f.pauseAt ?? null } : {}),
      },
    });
  }
  return out;
}
