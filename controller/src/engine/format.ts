// Small pure formatters shared by reasons, explain and log lines (no locale, no clock: same text on every machine).

export function pct(v: number | null): string {
  return v === null || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(1)}%`;
}

export function iso(t: number | null): string {
  if (t === null || !Number.isFinite(t)) return 'n/a';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? 'n/a' : d.toISOString();
}

/** A duration in the largest unit that keeps it readable: `45 s`, `12.5 min`, `3.2 h`, `2.1 d`. */
export function dur(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'n/a';
  const neg = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  if (a < 60_000) return `${neg}${trim(a / 1000)} s`;
  if (a < 3_600_000) return `${neg}${trim(a / 60_000)} min`;
  if (a < 86_400_000) return `${neg}${trim(a / 3_600_000)} h`;
  return `${neg}${trim(a / 86_400_000)} d`;
}

/** Minutes as configured (`30 min`, `0.5 min`), for the window in reasons. */
export function minutes(m: number): string {
  return `${trim(m)} min`;
}

export function hours(h: number): string {
  return `${trim(h)} h`;
}

function trim(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}
