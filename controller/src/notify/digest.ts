// The optional daily digest (DIGEST_HOUR_UTC): one message with the last 24 hours' actions and acts, and the savings.
import type { ActionRecord } from '../store';
import type { Savings } from '../savings/savings';
import { money, safe } from './messages';

const LABELS: Record<string, string> = {
  pause: 'paused',
  delete: 'deleted',
  warn: 'delete warnings',
  'warn-pause': 'pause warnings',
  resume: 'resumed',
  hold: 'holds set',
  release: 'holds released',
};

/** Pure: the digest text for the rows of the last 24 h (any order) and the savings at `now`. */
export function digestText(rows: readonly ActionRecord[], savings: Savings, now: number, publicUrl: string | null): string {
  const counts = new Map<string, number>();
  const failed: ActionRecord[] = [];
  for (const r of rows) {
    if (r.status === 'failed') failed.push(r);
    if (r.status !== 'succeeded' && r.status !== 'dry-run') continue;
    const key = r.status === 'dry-run' ? `${r.kind} (dry run)` : r.kind;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  // Pause warnings that activity called off (false alarms, docs/operate.md) are counted apart: "3 pause warnings (2 called off)".
  const calledOff = rows.filter((r) => r.kind === 'warn-pause' && r.status === 'succeeded' && typeof r.figures['calledOffAt'] === 'number').length;
  const parts = [...counts].map(
    ([k, n]) =>
      `${n} ${LABELS[k.split(' ')[0]!] ?? k}${k.includes('(dry run)') ? ' (dry run)' : ''}${k === 'warn-pause' && calledOff > 0 ? ` (${calledOff} called off)` : ''}`,
  );
  const day = new Date(now).toISOString().slice(0, 10);
  const lines = [
    `:bar_chart: Cost Optimizer, last 24 h to ${day} ${new Date(now).toISOString().slice(11, 16)} UTC: ${parts.length === 0 ? 'no actions' : parts.join(', ')}.`,
    `Saved so far ${money(savings.totalUsd)}; saving ${money(savings.currentRateUsdPerHour)}/h now (${money(savings.monthlyProjectionUsd)} a month at this rate).`,
  ];
  if (failed.length > 0)
    lines.push(
      `Failed: ${failed
        .slice(0, 5)
        .map((f) => `${f.kind} of ${safe(f.instanceId)}`)
        .join(', ')}${failed.length > 5 ? ` and ${failed.length - 5} more` : ''}.`,
    );
  if (publicUrl) lines.push(`<${publicUrl.replace(/\/+$/, '')}/|Dashboard>`);
  return lines.join('\n');
}

/** Whether the digest is due: the configured UTC hour has come today and none went out today. */
export function digestDue(hourUtc: number, now: number, lastSentDay: string | null): boolean {
  const d = new Date(now);
  return d.getUTCHours() === hourUtc && lastSentDay !== d.toISOString().slice(0, 10);
}
