// The pause conditions (docs/architecture.md, "Decision rules"): each one's outcome, its code and, on demand, its detail line.
//
// Pause when ALL hold: running; not protected (list, marker, hold); no pause/delete under way; no reading at or above
// PAUSE_THRESHOLD_GPU from any source and no unknown reading in the last PAUSE_WINDOW_MINUTES; a current metric source
// whose latest samples are idle; the window lies after the moment the instance was seen running (restart grace); the
// idle samples cover the window; at least MIN_SAMPLES of them; the provider can pause. Age (MIN_INSTANCE_AGE_HOURS)
// gates deletes only, as in the seed: a new instance left idle for a whole window is paused like any other.
// Interactive input (terminal keystrokes, notebook kernel activity) reported by the agent inside the window keeps the
// instance (INTERACTIVE_ACTIVITY); what the agent could not read is no evidence either way, never activity.
// Missing data is never idle; unknown readings are never idle.
// Outcomes are cheap booleans; detail strings are built only for the reason and for explain (10,000 instances a cycle).
import { isHostReason } from './host-busy';
import type { Facts } from './facts';
import { dur, minutes } from '../../../protocol/duration-text';
import { iso, pct } from './format';
import type { DecisionCode } from './types';

export const PAUSE_RULES = [
  'state',
  'protection',
  'hold',
  'in-flight',
  'contested',
  'busy',
  'unknown',
  'interactive',
  'source',
  'idle-run',
  'restart-grace',
  'coverage',
  'min-samples',
  'capability',
] as const;
export type PauseRule = (typeof PAUSE_RULES)[number];

export function pauseOk(rule: PauseRule, f: Facts): boolean {
  const w = f.w;
  switch (rule) {
    case 'state':
      return f.inst.state === 'running';
    case 'protection':
      return !f.protections.some((p) => p.by !== 'hold');
    case 'hold':
      return !f.protections.some((p) => p.by === 'hold');
    case 'in-flight':
      return f.blockedAll === null && f.blockedPause === null;
    case 'contested':
      return f.contestedUntil === null || f.contestedUntil < w.windowStart;
    case 'busy':
      return w.busy === null;
    case 'unknown':
      return w.unknown === null;
    case 'interactive':
      return f.interactiveAt === null || f.interactiveAt <= f.now - f.t.windowMs;
    case 'source':
      // The provider's own figure (Vast.ai gpu_util) is one point reading a minute: it misses short bursts, so alone
      // it pauses nothing unless PROVIDER_METRIC_PAUSE allows it (a busy provider reading still vetoes a pause).
      return w.source !== null && f.inst.metricSource !== 'none' && (w.source !== 'provider' || f.cfg.providerMetricPause);
    case 'idle-run':
      return w.runStart !== null;
    case 'restart-grace':
      return f.runningSince !== null && w.windowStart >= f.runningSince;
    case 'coverage':
      return w.covered;
    case 'min-samples':
      return w.samples >= f.cfg.minSamples;
    case 'capability':
      return f.canPause;
  }
}

/** The first pause condition that fails, or null when a pause is due. */
export function firstFailingPauseRule(f: Facts): PauseRule | null {
  for (const r of PAUSE_RULES) if (!pauseOk(r, f)) return r;
  return null;
}

/** The code a `none` decision gets when `rule` is the first condition that fails. */
export function pauseCode(rule: PauseRule, f: Facts): DecisionCode {
  switch (rule) {
    case 'state':
      return 'transitional';
    case 'protection':
      return f.protections[0]?.by === 'marker' ? 'protected-marker' : 'protected-config';
    case 'hold':
      return 'hold';
    case 'in-flight':
      return 'action-in-flight';
    case 'contested':
      return 'contested';
    case 'busy':
      return 'busy';
    case 'unknown':
      return 'unknown-reading';
    case 'interactive':
      return 'interactive';
    case 'source':
      return 'no-data';
    case 'idle-run':
      return 'not-idle';
    case 'restart-grace':
      return 'restart-grace';
    case 'coverage':
      return f.w.future ? 'clock-skew' : 'gap';
    case 'min-samples':
      return 'min-samples';
    case 'capability':
      return 'cannot-pause';
  }
}

/** One human line with the figures behind the rule's outcome. */
export function pauseDetail(rule: PauseRule, f: Facts): string {
  const { inst, cfg, t, w, now } = f;
  const thr = cfg.pauseThresholdGpu;
  switch (rule) {
    case 'state':
      return `state ${inst.state} (provider: ${inst.rawState})${inst.state === 'running' ? '' : ': only a running instance is paused'}`;
    case 'protection': {
      const perm = f.protections.filter((p) => p.by !== 'hold');
      return perm.length === 0 ? 'not protected' : `protected: ${perm.map((p) => p.detail).join('; ')}`;
    }
    case 'hold':
      return f.protections.find((p) => p.by === 'hold')?.detail ?? 'no hold';
    case 'in-flight':
      return f.blockedAll ?? f.blockedPause ?? 'no action under way';
    case 'contested':
      return contestedDetail(f);
    case 'busy':
      return w.busy === null
        ? `no reading at or above ${pct(thr)} in the last ${minutes(cfg.pauseWindowMinutes)}`
        : typeof w.busy.why === 'string' && isHostReason(w.busy.why)
          ? `kept: ${w.busy.why}, reported by the ${w.busy.source} ${dur(now - w.busy.at)} ago`
          : `GPU busy: ${w.busy.why ?? pct(w.busy.util)} from ${w.busy.source} ${dur(now - w.busy.at)} ago (threshold=${pct(thr)})`;
    case 'unknown':
      return w.unknown === null
        ? 'no unknown reading in the window'
        : `unknown GPU reading from ${w.unknown.source} ${dur(now - w.unknown.at)} ago: unknown is never idle`;
    case 'interactive':
      return interactiveDetail(f);
    case 'source':
      if (w.source === null) return `no sample from any source in the last ${dur(t.maxGapMs)}: missing data is never idle`;
      if (inst.metricSource === 'none') return 'the controller reports no live metric source for this host';
      if (w.source === 'provider' && !f.cfg.providerMetricPause)
        return "only the provider's own coarse reading reaches this host (no agent, no SSH): not enough to pause (PROVIDER_METRIC_PAUSE=false)";
      return `metric source ${w.source}`;
    case 'idle-run':
      if (w.rulesChanged) return 'the threshold, gap or window setting changed since these samples were counted: idle samples are counted again from now';
      return w.runStart !== null
        ? `idle since ${iso(w.runStart)} according to ${w.source}`
        : `the latest sample${w.source ? ` from ${w.source}` : ''} is not idle (busy, unknown, or from before the restart)`;
    case 'restart-grace': {
      const rs = f.runningSince;
      if (rs === null) return 'not seen running yet: the idle clock starts when it is';
      if (w.windowStart >= rs) return `running since ${iso(rs)}`;
      return `seen running since ${iso(rs)} (${dur(now - rs)}): the idle clock restarted then and needs ${minutes(cfg.pauseWindowMinutes)}`;
    }
    case 'coverage':
      return coverageDetail(f);
    case 'min-samples':
      return `${w.samples} samples counted in the last ${minutes(cfg.pauseWindowMinutes)} (minimum ${cfg.minSamples})`;
    case 'capability':
      return f.canPause ? 'the provider can pause' : `${inst.provider} cannot pause instances`;
  }
}

/** "kept: terminal input 3 min ago", "kept: notebook kernel busy", or why input does not keep it, with the evidence. */
export function interactiveDetail(f: Facts): string {
  const a = f.inst.interactive;
  if (f.cfg.interactiveActivity === false) return 'interactive input not counted (INTERACTIVE_ACTIVITY=false)';
  if (!a) return 'no evidence: no interactive-activity report from an agent (no agent, or an agent too old to send one)';
  const at = f.interactiveAt;
  const kept = at !== null && at > f.now - f.t.windowMs;
  const parts: string[] = [];
  if (a.terminals !== 'ok' || a.terminalInputAt === null)
    parts.push(a.terminals === 'unreadable' ? 'no evidence: terminals unreadable' : 'no evidence: no terminal');
  else parts.push(`terminal input ${dur(f.now - a.terminalInputAt)} ago`);
  if (a.notebooks === 'unreadable') parts.push('no evidence: Jupyter unreadable');
  else if (a.notebooks === 'not-read') parts.push('no evidence: notebooks are not read over SSH');
  else if (a.notebooks === 'none') parts.push('no evidence: no Jupyter server found');
  else if (a.notebookBusy) parts.push(`notebook kernel busy (reported ${dur(f.now - a.reportedAt)} ago)`);
  else if (a.notebookActivityAt === null) parts.push('no notebook kernel running');
  else parts.push(`notebook kernel activity ${dur(f.now - a.notebookActivityAt)} ago`);
  if (kept) {
    const first =
      a.notebookBusy && at === a.reportedAt
        ? 'notebook kernel busy'
        : at === a.terminalInputAt
          ? `terminal input ${dur(f.now - at)} ago`
          : `notebook kernel activity ${dur(f.now - at)} ago`;
    return `kept: ${first} (inside the ${minutes(f.cfg.pauseWindowMinutes)} window; ${parts.join('; ')})`;
  }
  return `no interactive input in the last ${minutes(f.cfg.pauseWindowMinutes)} (${parts.join('; ')})`;
}

/** `age 3 h`, or for an instance the provider cannot date `age >= 3 h (first seen ...; provider gives no creation time)`. */
export function ageText(f: Facts): string {
  if (f.ageMs !== null) return `age ${dur(f.ageMs)}`;
  if (f.ageLowerMs !== null) return `age >= ${dur(f.ageLowerMs)} (first seen ${iso(f.firstSeen)}; provider gives no creation time)`;
  return 'age unknown (provider gives no creation time and the controller has not seen it yet)';
}

function contestedDetail(f: Facts): string {
  const c = f.inst.contested;
  if (c === null || c === undefined || f.contestedUntil === null) return 'one agent reports for this instance';
  const who = c.addresses.length > 0 ? c.addresses.join(', ') : 'unknown';
  if (f.contestedUntil < f.w.windowStart)
    return `two agents reported for this instance until ${iso(f.contestedUntil)} (addresses ${who}); a whole window has passed since`;
  return `kept: two agents report for this instance (addresses ${who}); no idle evidence counts until ${iso(f.contestedUntil)}, then a pause needs a whole ${minutes(f.cfg.pauseWindowMinutes)} window`;
}

function coverageDetail(f: Facts): string {
  const { w, t } = f;
  const maxGap = dur(t.maxGapMs);
  if (w.source === null || w.tailGapMs === null) return 'no current source: nothing covers the window';
  if (w.future) return `the last sample from ${w.source} ends ${dur(-w.tailGapMs)} in the future (clock skew?): not trusted`;
  if (w.tailGapMs > t.maxGapMs) return `the last sample ended ${dur(w.tailGapMs)} ago (more than the ${maxGap} allowed)`;
  if (w.frontGapMs === null) return `no idle run from ${w.source} covers the window`;
  if (w.frontGapMs > t.maxGapMs) {
    return `idle samples from ${w.source} cover only the last ${dur(w.windowEnd - (w.runStart ?? w.windowEnd))} of the window (largest gap ${dur(w.largestGapMs)}, ${maxGap} allowed)`;
  }
  return `covered by ${w.source}: largest gap ${dur(w.largestGapMs)} (max ${maxGap}), last sample ${dur(Math.max(0, w.tailGapMs))} ago`;
}
