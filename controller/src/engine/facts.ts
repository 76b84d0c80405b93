// Everything the rules look at for one instance, computed once from its EngineInstance, IdleState, config and `now`.
import type { EngineConfig } from '../config/config';
import { latestInteractiveInput } from '../domain/interactive';
import { type EngineTimes, engineTimes } from './engine-times';
import { type FalseAlarm, recentFalseAlarms } from './false-alarms';
import type { IdleState } from './idle-state';
import { type WindowView, windowView } from './idle-window';
import { type InstancePolicy, instancePolicy } from './instance-policy';
import { type Protection, protectionsOf } from './protection';
import { runningSinceOf } from './running-since';
import type { DecideOptions, EngineInstance } from './types';

const INACTIVE_STATES = new Set(['stopped', 'stopping']);

export interface Facts {
  inst: EngineInstance;
  cfg: EngineConfig;
  t: EngineTimes;
  now: number;
  st: IdleState | null;
  w: WindowView;
  protections: readonly Protection[];
  holdUntil: number | null;
  /** now - createdAt; null when createdAt is unknown or not a number. */
  ageMs: number | null;
  /** A lower bound of the age: ageMs, else the time since the controller first saw it; null when neither is known. */
  ageLowerMs: number | null;
  /** When the controller first saw it (IdleState.firstSeenAt); null when never. */
  firstSeen: number | null;
  /** Latest interactive input reported by the agent, when INTERACTIVE_ACTIVITY counts it; null otherwise. */
  interactiveAt: number | null;
  /** When the minimum age is reached (createdAt or first seen + MIN_INSTANCE_AGE_HOURS). */
  ageReadyAt: number | null;
  /** Start of the current running episode (runningSinceOf); null when it does not count as running. */
  runningSince: number | null;
  idleSince: number | null;
  inactiveSince: number | null;
  /** The delete warning that counts: sent during the current inactive stretch. */
  warnedAt: number | null;
  /** A planned pause/delete or a recent delete: no new action of any kind. */
  blockedAll: string | null;
  /** A pause done or dry-run recently (still shown running: the provider lags): no new pause. */
  blockedPause: string | null;
  canPause: boolean;
  canDelete: boolean;
  /** EngineInstance.contested's `until` when it is a finite number (a malformed one counts as contested forever). */
  contestedUntil: number | null;
  /** From the instance's name or labels: its own longer idle window, pause-only. */
  policy: InstancePolicy;
  /** The pause warning that counts: sent during the current idle episode and after the last hold/release/resume. */
  pauseWarnedAt: number | null;
  /** Start of the episode a pause warning belongs to (idle since, or the last hold/release/resume if later). */
  pauseWarnEpisode: number | null;
  /** Pause warnings that activity called off in the last 24 h, newest first (false-alarms.ts). */
  falseAlarms: readonly FalseAlarm[];
}

const fin = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function gatherFacts(
  inst: EngineInstance,
  st: IdleState | null,
  cfg: EngineConfig,
  now: number,
  opts: DecideOptions,
  t: EngineTimes = engineTimes(cfg),
): Facts {
  const w = windowView(st, now, t);
  const holdUntil = inst.holdUntil === undefined || inst.holdUntil === null ? null : inst.holdUntil;
  const ageMs = fin(inst.createdAt) ? now - inst.createdAt : null;
  const firstSeen = st !== null && fin(st.firstSeenAt) ? st.firstSeenAt : null;
  const ageLowerMs = ageMs ?? (firstSeen === null ? null : now - firstSeen);
  const ageBase = fin(inst.createdAt) ? inst.createdAt : firstSeen;
  // Clocks only count when observeInventory saw the same state the provider reports now; a mismatch means the caller
  // skipped observeInventory this cycle, and then no clock is trusted.
  const sameState = st !== null && st.lastState === inst.state;
  // The same check, and the narrowing to a later succeeded pause (a resume no inventory saw): running-since.ts.
  const runningSince = runningSinceOf(inst.state, st, inst.lastAction);
  // Two agents for one instance (the one-voice rule): no idle evidence counts before the contest ends, so neither the
  // pause window nor the delete rule's inactive clock can begin before it. A malformed time never unblocks.
  const c = inst.contested;
  const contestedUntil = c === null || c === undefined ? null : fin(c.until) ? c.until : Infinity;
  let idleSince = runningSince !== null && w.idleSince !== null ? Math.max(w.idleSince, runningSince) : null;
  if (idleSince !== null && contestedUntil !== null) idleSince = contestedUntil < now ? Math.max(idleSince, contestedUntil + 1) : null;
  const interactiveAt = cfg.interactiveActivity !== false && inst.interactive ? latestInteractiveInput(inst.interactive) : null;
  let inactiveSince: number | null = null;
  // Someone typing on a running instance is activity for the delete clock too: it never deletes under their hands.
  if (inst.state === 'running') inactiveSince = idleSince === null ? null : Math.max(idleSince, interactiveAt ?? idleSince);
  // A stopped instance's inactive stretch carries the GPU-idle run from before the stop; input during that run (someone
  // debugging at an idle GPU until the pause) moves its start to the last input.
  else if (INACTIVE_STATES.has(inst.state) && sameState)
    inactiveSince = st.stoppedSince === null ? null : Math.max(st.stoppedSince, interactiveAt ?? st.stoppedSince);
  const warned = inst.deleteWarnedAt;
  const warnedAt = fin(warned) && inactiveSince !== null && warned >= inactiveSince ? warned : null;

  let blockedAll: string | null = null;
  let blockedPause: string | null = null;
  const la = inst.lastAction;
  if (la && (la.kind === 'pause' || la.kind === 'delete')) {
    // A non-numeric time is treated as recent: bad input never unblocks an action.
    const recent = !fin(la.at) || now - la.at < t.cooldownMs;
    const when = fin(la.at) ? new Date(la.at).toISOString() : 'an unknown time';
    if (recent && la.status === 'planned') blockedAll = `a ${la.kind} is in progress (planned at ${when})`;
    else if (recent && la.kind === 'delete' && (la.status === 'succeeded' || la.status === 'dry-run')) blockedAll = `deleted at ${when} (${la.status})`;
    else if (recent && la.kind === 'pause' && (la.status === 'succeeded' || la.status === 'dry-run')) {
      blockedPause = `paused at ${when} (${la.status}); waiting for the provider to show it stopped`;
    }
  }
  const caps = opts.capabilities?.[inst.provider];
  const policy = instancePolicy(inst, cfg.pauseWindowMinutes, inst.teamPolicy ?? null);
  const resetAt = fin(inst.pauseWarningResetAt) ? inst.pauseWarningResetAt : null;
  // Input at the keyboard starts a new episode too: a warning sent before someone typed no longer counts.
  const pauseWarnEpisode = idleSince === null ? null : Math.max(idleSince, resetAt ?? -Infinity, interactiveAt ?? -Infinity);
  const pw = inst.pauseWarnedAt;
  const pauseWarnedAt = fin(pw) && pauseWarnEpisode !== null && pw >= pauseWarnEpisode ? pw : null;
  return {
    inst,
    cfg,
    t,
    now,
    st,
    w,
    protections: protectionsOf(inst, holdUntil, cfg, now),
    holdUntil,
    ageMs,
    ageLowerMs,
    firstSeen,
    interactiveAt,
    ageReadyAt: ageBase === null ? null : ageBase + t.minAgeMs,
    runningSince,
    idleSince,
    inactiveSince,
    warnedAt,
    blockedAll,
    blockedPause,
    canPause: caps?.canPause ?? true,
    canDelete: (caps?.canDelete ?? true) && !policy.noDelete,
    policy,
    pauseWarnedAt,
    pauseWarnEpisode,
    falseAlarms: recentFalseAlarms(inst.falseAlarms, now),
    contestedUntil,
  };
}
