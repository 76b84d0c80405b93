// Small pure formatters shared by reasons, explain and log lines (no locale, no clock: same text on every machine).
// Durations: protocol/duration-text.ts.

export function pct(v: number | null): string {
  return v === null || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(1)}%`;
}

export function iso(t: number | null): string {
  if (t === null || !Number.isFinite(t)) return 'n/a';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? 'n/a' : d.toISOString();
}
