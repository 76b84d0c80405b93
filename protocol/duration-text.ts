// How a duration is written for people. Every duration formatter of the agent and the controller lives here, so a new
// text picks one of these styles instead of writing another. Pure: no locale, no clock (same text on every machine).
//
// | style              | for                                                   | e.g.                           |
// |--------------------|-------------------------------------------------------|--------------------------------|
// | `dur`              | reasons, explain, log lines (one decimal)             | `45 s`, `12.5 min`, `3.2 h`, `2.1 d` |
// | `minutes`, `hours` | configured windows and thresholds in reasons          | `30 min`, `0.5 min`, `24 h`    |
// | `roughDuration`    | host evidence, the agent's `inhibit` command          | `45 s`, `12 min`, `2.5 h`      |
// | `minutesText`      | notifications ("GPU idle for ...")                    | `45 s`, `12 min`, `2.5 h`, `12 h` |
// | `coarseDuration`   | `doctor` (how long ago an agent was heard)            | `90 s`, `12 min`, `3 h`        |
// | `compactDuration`  | the status table and the dashboard's columns          | `45s`, `12m`, `3h05m`, `2d2h`  |

/** A duration in the largest unit that keeps it readable: `45 s`, `12.5 min`, `3.2 h`, `2.1 d`; `n/a` when unknown. */
export function dur(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'n/a';
  const neg = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  if (a < 60_000) return `${neg}${oneDecimal(a / 1000)} s`;
  if (a < 3_600_000) return `${neg}${oneDecimal(a / 60_000)} min`;
  if (a < 86_400_000) return `${neg}${oneDecimal(a / 3_600_000)} h`;
  return `${neg}${oneDecimal(a / 86_400_000)} d`;
}

/** Minutes as configured (`30 min`, `0.5 min`), for the window in reasons. */
export function minutes(m: number): string {
  return `${oneDecimal(m)} min`;
}

/** Hours as configured (`24 h`, `1.5 h`). */
export function hours(h: number): string {
  return `${oneDecimal(h)} h`;
}

/** Rounded to whole minutes first: seconds under half a minute (never negative), minutes under two hours, else hours to one decimal. */
export function roughDuration(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 1 ? `${Math.max(0, Math.round(ms / 1000))} s` : m < 120 ? `${m} min` : `${Math.round(m / 6) / 10} h`;
}

/** For notifications: seconds under a minute (never negative), whole minutes under two hours, hours (one decimal under ten). */
export function minutesText(ms: number): string {
  const m = ms / 60_000;
  if (m < 1) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (m < 120) return `${Math.round(m)} min`;
  return `${(m / 60).toFixed(m < 600 ? 1 : 0)} h`;
}

/** Whole seconds under two minutes, whole minutes under two hours, else whole hours. */
export function coarseDuration(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 3_600_000)} h`;
}

/** For narrow columns: `45s`, `12m`, `3h05m` (under two days), `2d2h`; `-` when negative or not finite. */
export function compactDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const m = Math.floor(ms / 60_000);
  if (m < 1) return `${Math.floor(ms / 1000)}s`;
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

function oneDecimal(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}
