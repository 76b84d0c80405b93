// decide(): the pure decision engine. No clock, no env, no I/O: everything comes in as arguments, and every Decision
// carries its reason and figures (and, on request, each rule's outcome), so `explain` can say why an instance is or
// isn't acted on.
//
// Precedence for one instance: deleted / unknown state / protected / held / action under way => none; then delete,
// then its warning, then pause. The warning goes before the pause so that an instance whose pause keeps failing is
// still announced; it is paused at the next cycle.
import type { EngineConfig } from '../config/config';
import { DELETE_RULES, deleteDetail, deleteEval, deleteOk, type DeleteEval } from './delete-rules';
import { DeferredDecision } from './deferred-decision';
import { type EngineTimes, engineTimes } from './engine-times';
import { warningHoldBack } from './false-alarms';
import { type Facts, gatherFacts } from './facts';
import { dur, hours, minutes } from '../../../protocol/duration-text';
import { iso, pct } from './format';
import type { IdleState } from './idle-state';
import { firstFailingPauseRule, PAUSE_RULES, pauseCode, pauseDetail, pauseOk } from './pause-rules';
import { pauseDueAt, pauseWarningDue, policyWindowEnd, policyWindowWait } from './pause-warning';
import type { ActionKind, DecideOptions, Decision, DecisionCode, DecisionFigures, DecisionKind, EngineInstance, NextAction, RuleCheck } from './types';

export type IdleStates = ReadonlyMap<string, IdleState> | Readonly<Record<string, IdleState>>;

/** One decision per instance, in the same order. `idle` maps instance id -> IdleState (missing = nothing known). */
export function decide(instances: readonly EngineInstance[], idle: IdleStates, cfg: EngineConfig, now: number, opts: DecideOptions = {}): Decision[] {
  const t = engineTimes(cfg);
  const get =
    idle instanceof Map
      ? (id: string) => idle.get(id) ?? null
      : (id: string) => (Object.prototype.hasOwnProperty.call(idle, id) ? ((idle as Record<string, IdleState>)[id] ?? null) : null);
  return instances.map((inst) => decideWith(inst, get(inst.id), cfg, t, now, opts));
}

/** `t` is engineTimes(cfg), passed by a caller that decides many instances one by one (computed once, not per instance). */
export function decideOne(
  inst: EngineInstance,
  idle: IdleState | null | undefined,
  cfg: EngineConfig,
  now: number,
  opts: DecideOptions = {},
  t: EngineTimes = engineTimes(cfg),
): Decision {
  return decideWith(inst, idle ?? null, cfg, t, now, opts);
}

function decideWith(inst: EngineInstance, idle: IdleState | null, cfg: EngineConfig, t: EngineTimes, now: number, opts: DecideOptions): Decision {
  const f = gatherFacts(inst, idle, cfg, now, opts, t);
  const del = deleteEval(f);
  const withChecks = opts.checks === true;

  if (inst.state === 'deleted') return none(f, del, opts, 'deleted', () => `already deleted (provider: ${inst.rawState})`);
  if (inst.state === 'unknown') return none(f, del, opts, 'state-unknown', () => `state unknown (provider: ${inst.rawState}): never acted on`);
  if (f.protections.length > 0) {
    const perm = f.protections.filter((p) => p.by !== 'hold');
    if (perm.length > 0)
      return none(f, del, opts, perm[0]!.by === 'marker' ? 'protected-marker' : 'protected-config', () => `protected: ${perm.map((p) => p.detail).join('; ')}`);
    return none(f, del, opts, 'hold', () => f.protections[0]!.detail);
  }
  if (f.blockedAll !== null) return none(f, del, opts, 'action-in-flight', () => f.blockedAll!);

  if (del.deleteNow) {
    return build(
      f,
      del,
      withChecks,
      'delete',
      'delete-inactive',
      `inactive ${dur(now - f.inactiveSince!)} since ${iso(f.inactiveSince)} (${inst.state}), warned ${dur(now - f.warnedAt!)} ago at ${iso(f.warnedAt)} (threshold=${hours(cfg.deleteThresholdHours)})`,
    );
  }
  if (del.warnNow) {
    // The warning goes out now, so the delete comes DELETE_WARNING_HOURS from now at the earliest.
    const at = Math.max(f.inactiveSince! + t.deleteMs + 1, now + t.warnLeadMs);
    return build(
      f,
      del,
      withChecks,
      'warn-delete',
      'warn-delete',
      `inactive ${dur(now - f.inactiveSince!)} since ${iso(f.inactiveSince)} (${inst.state}): will be deleted at ${iso(at)} unless activity returns (threshold=${hours(cfg.deleteThresholdHours)})`,
      at,
    );
  }
  const failed = firstFailingPauseRule(f);
  const policyWait = failed === null ? policyWindowWait(f) : null;
  const warning = inst.state === 'running' ? pauseWarningDue(f, failed, policyWait !== null) : null;
  if (warning !== null) {
    const late = warning.at <= now;
    return build(
      f,
      del,
      withChecks,
      'warn-pause',
      'warn-pause',
      // f.idleSince is known for every warning (pause-warning.ts); the fallback only guards the text.
      `${idleSinceText(f.idleSince ?? f.w.runStart)}: will be paused ${late ? 'at the next check' : `at ${iso(warning.at)}`} unless it gets busy`,
      warning.at,
    );
  }
  if (failed === null && policyWait === null) {
    const w = f.w;
    return build(
      f,
      del,
      withChecks,
      'pause',
      'pause-idle',
      `GPU avg=${pct(w.utilMean)} max=${pct(w.utilMax)} over ${minutes(f.policy.idleMinutes ?? cfg.pauseWindowMinutes)}, ${w.samples} samples from ${w.source} (threshold=${pct(cfg.pauseThresholdGpu)})`,
    );
  }
  if (failed === null) return none(f, del, opts, 'policy-window', () => policyWait!);

  if (inst.state === 'starting' || inst.state === 'stopping')
    return none(f, del, opts, 'transitional', () => `${inst.state} (provider: ${inst.rawState}): waiting for it to settle`);
  if (inst.state === 'stopped') return stoppedDecision(f, del, opts);
  return none(f, del, opts, pauseCode(failed, f), () => pauseDetail(failed, f));
}

/** A decision to do nothing: built now, or deferred (DecideOptions.defer) with its reason unwritten. */
function none(f: Facts, del: DeleteEval, opts: DecideOptions, code: DecisionCode, reason: () => string): Decision {
  const withChecks = opts.checks === true;
  if (opts.defer === true && !withChecks) return new DeferredDecision(code, f.inst, f.st, f.cfg, f.t, f.now, opts, decideFully);
  return build(f, del, withChecks, 'none', code, reason());
}

/** The same decision with its reason and figures written (what a DeferredDecision works out when read). */
function decideFully(inst: EngineInstance, idle: IdleState | null, cfg: EngineConfig, t: EngineTimes, now: number, opts: DecideOptions): Decision {
  return decideWith(inst, idle, cfg, t, now, { ...opts, defer: false });
}

function build(
  f: Facts,
  del: DeleteEval,
  withChecks: boolean,
  kind: DecisionKind,
  code: DecisionCode,
  reason: string,
  actionAt: number | null = null,
): Decision {
  const d: Decision = { instanceId: f.inst.id, kind, code, reason, figures: figuresOf(f, kind, del, actionAt) };
  if (withChecks) d.checks = checksOf(f);
  return d;
}

function stoppedDecision(f: Facts, del: DeleteEval, opts: DecideOptions): Decision {
  const since = f.inactiveSince;
  const head = () => (since === null ? 'stopped' : `stopped, inactive since ${iso(since)} (${dur(f.now - since)})`);
  if (del.blocking === 'age') return none(f, del, opts, 'too-young', () => `${head()}; ${deleteDetail('age', f)}: not deleted yet`);
  const blocking = del.blocking;
  if (blocking !== null) return none(f, del, opts, 'stopped', () => `${head()}; ${deleteDetail(blocking, f)}`);
  if (f.warnedAt !== null) {
    return none(
      f,
      del,
      opts,
      'delete-waiting',
      () => `${head()}; delete warning sent at ${iso(f.warnedAt)}; delete at ${iso(del.deleteAt)} unless activity returns`,
    );
  }
  return none(
    f,
    del,
    opts,
    'stopped',
    () => `${head()}; delete warning due at ${iso(del.warnAt)}, delete at ${iso(del.deleteAt)} (threshold=${hours(f.cfg.deleteThresholdHours)})`,
  );
}

/** Every pause and delete condition with its outcome and detail line (what `explain` prints). */
function checksOf(f: Facts): { pause: RuleCheck[]; delete: RuleCheck[] } {
  return {
    pause: PAUSE_RULES.map((rule) => ({ rule, ok: pauseOk(rule, f), detail: pauseDetail(rule, f) })),
    delete: DELETE_RULES.map((rule) => ({ rule, ok: deleteOk(rule, f), detail: deleteDetail(rule, f) })),
  };
}

function figuresOf(f: Facts, kind: DecisionKind, del: DeleteEval, actionAt: number | null): DecisionFigures {
  const { w, cfg, t } = f;
  return {
    now: f.now,
    state: f.inst.state,
    source: w.source,
    windowStart: w.windowStart,
    windowEnd: w.windowEnd,
    samples: w.samples,
    minSamples: cfg.minSamples,
    utilMax: w.utilMax,
    utilMean: w.utilMean,
    thresholdPct: cfg.pauseThresholdGpu,
    busyAt: w.busy?.at ?? null,
    busyUtil: w.busy?.util ?? null,
    busyWhy: w.busy?.why ?? null,
    unknownAt: w.unknown?.at ?? null,
    lastSampleEnd: w.lastSampleEnd,
    largestGapSec: w.largestGapMs === null ? null : w.largestGapMs / 1000,
    maxGapSec: t.maxGapMs / 1000,
    covered: w.covered,
    runningSince: f.runningSince,
    idleSince: f.idleSince,
    inactiveSince: f.inactiveSince,
    protection: f.protections,
    holdUntil: f.holdUntil,
    ageHours: f.ageMs === null ? null : f.ageMs / 3_600_000,
    ageAtLeastHours: f.ageLowerMs === null ? null : f.ageLowerMs / 3_600_000,
    firstSeenAt: f.firstSeen,
    interactiveAt: f.interactiveAt,
    deleteWarnedAt: f.warnedAt,
    next: nextAction(f, kind, del.warnAt, del.deleteAt),
    policy: f.policy,
    pauseWarnedAt: f.pauseWarnedAt,
    pauseWarnEpisode: f.pauseWarnEpisode,
    falseAlarms: f.falseAlarms.length,
    pauseWarningHeldBack: f.inst.state === 'running' && f.pauseWarnedAt === null ? (warningHoldBack(f)?.why ?? null) : null,
    pauseAt: kind === 'warn-pause' ? actionAt : null,
    deleteAt: kind === 'warn-delete' ? actionAt : null,
  };
}

/** The next action and when, if nothing changes; null when none can come (protected, unknown, deleted, active). */
function nextAction(f: Facts, kind: DecisionKind, warnAt: number | null, deleteAt: number | null): NextAction | null {
  if (kind === 'warn-pause') return { kind: 'pause', at: Math.max(f.now, pauseDueAt(f) ?? f.now) };
  if (kind !== 'none') return { kind, at: f.now };
  const st = f.inst.state;
  if (st === 'deleted' || st === 'unknown' || f.protections.some((p) => p.by !== 'hold')) return null;
  let bestKind: ActionKind | null = null;
  let at = Infinity;
  if (st === 'running' && f.canPause && f.w.pauseEarliest !== null && f.runningSince !== null) {
    bestKind = 'pause';
    at = Math.max(
      f.w.pauseEarliest,
      f.runningSince + f.t.windowMs,
      f.ageReadyAt ?? f.w.pauseEarliest,
      f.interactiveAt === null ? 0 : f.interactiveAt + f.t.windowMs,
      policyWindowEnd(f) ?? -Infinity,
    );
    if (f.contestedUntil !== null) at = Math.max(at, f.contestedUntil + f.t.windowMs + 1);
  }
  if (warnAt !== null && warnAt < at) {
    bestKind = 'warn-delete';
    at = warnAt;
  }
  if (deleteAt !== null && deleteAt < at) {
    bestKind = 'delete';
    at = deleteAt;
  }
  if (bestKind === null) return null;
  if (f.holdUntil !== null) at = Number.isFinite(f.holdUntil) ? Math.max(at, f.holdUntil) : Infinity;
  const la = f.inst.lastAction;
  if ((f.blockedAll !== null || (bestKind === 'pause' && f.blockedPause !== null)) && la)
    at = Math.max(at, Number.isFinite(la.at) ? la.at + f.t.cooldownMs : Infinity);
  if (!Number.isFinite(at)) return null;
  return { kind: bestKind, at: Math.max(at, f.now) };
}

function idleSinceText(t: number | null): string {
  return t === null ? 'GPU idle in the latest samples' : `idle since ${iso(t)}`;
}
