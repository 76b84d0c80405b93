// The warning before a pause (PAUSE_WARNING_MINUTES, 0 = none) and the per-instance idle window's extra wait.
//
// The warning goes out once per idle episode, when the pause is due within the lead time if nothing changes:
// "render-farm-7 will be paused at 14:32 unless it gets busy". Activity ends the episode (a new idle stretch needs a
// new warning); a hold, a release or a resume resets it too (EngineInstance.pauseWarningResetAt). A warning never
// holds a pause back by more than one cycle: when the pause is due and no warning went out (the cycle was longer than
// the lead, or the pause came due at once), the warning goes out now and the pause at the next cycle. A warning sent
// late does not restart the lead time: once sent, the pause follows as soon as the rules allow. After a warning that
// activity called off, the next ones wait until the pause is closer to certain (false-alarms.ts): at most one cycle
// later than the pause would otherwise come.
import { warningHoldBack } from './false-alarms';
import type { Facts } from './facts';
import { dur } from '../../../protocol/duration-text';
import { iso } from './format';
import type { PauseRule } from './pause-rules';

/** Failing pause rules that time alone can clear while the instance stays idle: only these get a warning ahead. */
const TIME_RULES: ReadonlySet<PauseRule> = new Set<PauseRule>(['busy', 'unknown', 'restart-grace', 'coverage', 'min-samples']);

export function pauseLeadMs(f: Pick<Facts, 'cfg'>): number {
  const m = f.cfg.pauseWarningMinutes ?? 0;
  return Number.isFinite(m) && m > 0 ? m * 60_000 : 0;
}

/** When the instance's own (longer) idle window is complete; null when it has none or is not idle now. */
export function policyWindowEnd(f: Facts): number | null {
  const m = f.policy.idleMinutes;
  if (m === null || f.idleSince === null) return null;
  // The instance's own window is a longer pause window: input at the keyboard inside it keeps the instance too.
  return Math.max(f.idleSince, f.interactiveAt ?? -Infinity) + m * 60_000;
}

/** The reason the instance's own window still holds the pause back, or null when it does not. */
export function policyWindowWait(f: Facts): string | null {
  const m = f.policy.idleMinutes;
  if (m === null) return null;
  const end = policyWindowEnd(f);
  if (end !== null && end <= f.now) return null;
  const idleFor = f.idleSince === null ? 'not idle now' : `idle for ${dur(f.now - f.idleSince)}`;
  return `${idleFor} of its own ${dur(m * 60_000)} idle window (${f.policy.idleFrom})${end === null ? '' : `: pause at ${iso(end)} at the earliest`}`;
}

/** When the pause will come if the instance stays idle, ignoring age; null when time alone will not bring it. */
export function pauseDueAt(f: Facts): number | null {
  if (f.w.pauseEarliest === null || f.runningSince === null) return null;
  return Math.max(
    f.w.pauseEarliest,
    f.runningSince + f.t.windowMs,
    f.interactiveAt === null ? -Infinity : f.interactiveAt + f.t.windowMs,
    f.contestedUntil === null ? -Infinity : f.contestedUntil + f.t.windowMs + 1,
    policyWindowEnd(f) ?? -Infinity,
  );
}

/**
 * Whether the pause warning goes out now, and the time it names. `failed`: the first failing pause rule (null: the
 * global rules allow the pause); `policyWait`: the instance's own window still holds it back.
 */
export function pauseWarningDue(f: Facts, failed: PauseRule | null, policyWait: boolean): { at: number } | null {
  const lead = pauseLeadMs(f);
  if (lead === 0 || f.pauseWarnedAt !== null) return null;
  if (f.inst.state !== 'running' || !f.canPause || f.protections.length > 0 || f.blockedAll !== null || f.blockedPause !== null) return null;
  if (failed === null && !policyWait) return { at: f.now }; // due now and not warned: warn now, pause next cycle
  if (failed !== null && !TIME_RULES.has(failed)) return null;
  // A warning ahead belongs to an idle spell that has begun by `now`. Samples stored while the cycle ran can start the
  // spell after the cycle's clock (f.idleSince null): such a warning had no start to name ("idle since n/a") and no
  // episode to be counted against, so the next cycle warned again. It waits a cycle instead; the pause is not delayed.
  if (f.idleSince === null) return null;
  const at = pauseDueAt(f);
  if (at === null || at - f.now > lead) return null;
  // After a false alarm the warning ahead waits (false-alarms.ts); once the pause is due it goes out whatever came before.
  const held = warningHoldBack(f);
  if (held !== null && at > f.now && (held.from === null || f.now < held.from)) return null;
  return { at: Math.max(at, f.now) };
}
