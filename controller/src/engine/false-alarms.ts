// "No crying wolf": a pause warning that activity called off is a false alarm, and after one the instance's next
// warnings wait until the pause is closer to certain.
//
// - No false alarm in the last 24 h: the warning goes out PAUSE_WARNING_MINUTES before the pause, as always.
// - One: the next warning waits until the idle spell has lasted longer than the spell that fooled us (a bursty server
//   whose requests come every 25-29 min learns its own rhythm: a spell that outlasts it is likelier to end in a pause).
// - FALSE_ALARMS_PER_DAY of them: the warning waits until the pause is due; it goes out then and the pause one cycle
//   later (the rule that no pause comes without a warning is kept; a warning never costs more than one cycle).
// So an instance gets at most FALSE_ALARMS_PER_DAY warnings a day that do not end in a pause (each with its "will not
// be paused after all"), and every pause still has its warning first. Pure: the alarms and the clock come in.
import { dur } from '../../../protocol/duration-text';
import { iso } from './format';

/** A pause warning that activity called off: when, and how long the idle spell had lasted by then (ms). */
export interface FalseAlarm {
  at: number;
  idleMs: number;
}

/** How long a false alarm is remembered. */
export const FALSE_ALARM_MEMORY_MS = 24 * 3_600_000;
/** After this many false alarms in FALSE_ALARM_MEMORY_MS, warnings go out only once the pause is due. */
export const FALSE_ALARMS_PER_DAY = 2;

const NONE: readonly FalseAlarm[] = Object.freeze([]);
const fin = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The false alarms that count at `now`: well-formed, not in the future, at most FALSE_ALARM_MEMORY_MS old; newest first. */
export function recentFalseAlarms(alarms: readonly FalseAlarm[] | null | undefined, now: number): readonly FalseAlarm[] {
  if (!alarms || alarms.length === 0) return NONE;
  return alarms.filter((a) => fin(a.at) && fin(a.idleMs) && a.idleMs >= 0 && a.at <= now && now - a.at < FALSE_ALARM_MEMORY_MS).sort((a, b) => b.at - a.at);
}

/** Why the warning ahead waits, and until when: `from` null = until the pause is due. */
export interface WarningHoldBack {
  from: number | null;
  why: string;
}

/** The hold-back of this idle spell's warning, or null when it goes out PAUSE_WARNING_MINUTES ahead as usual. */
export function warningHoldBack(f: { falseAlarms: readonly FalseAlarm[]; pauseWarnEpisode: number | null }): WarningHoldBack | null {
  const recent = f.falseAlarms;
  if (recent.length === 0) return null;
  const n = `${recent.length} false alarm${recent.length === 1 ? '' : 's'} in the last 24 h, the latest at ${iso(recent[0]!.at)}`;
  if (recent.length >= FALSE_ALARMS_PER_DAY || f.pauseWarnEpisode === null) return { from: null, why: `${n}: warned only once the pause is due` };
  const longest = Math.max(...recent.map((a) => a.idleMs));
  return {
    from: f.pauseWarnEpisode + longest + 1,
    why: `${n}: warned once idle longer than ${dur(longest)} (the longest spell that did not end in a pause)`,
  };
}
