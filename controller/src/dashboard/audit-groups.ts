// The audit log as the dashboard shows it: an instance's repeated pause warnings in a row (no other act of it between)
// are one line, "warned 6 times, called off 6 times since 10:02 UTC", at the place of the newest; a single called-off
// warning says when it was called off. Pure: rows in (newest first), lines out.
import { calledOffReasonText, repeatedWarningsText } from '../notify/messages';
import type { ActionRecord } from '../store';

export interface AuditLine {
  instanceId: string;
  kind: string;
  status: string;
  reason: string;
  /** ISO time of the newest row of the line. */
  at: string;
  /** How many audit rows the line stands for (1: a row as it is). */
  rows: number;
}

interface Group {
  line: AuditLine;
  newest: ActionRecord;
  calledOff: number;
  since: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** `rows` newest first (as listActions returns them); at most `limit` lines out. */
export function auditLines(rows: readonly ActionRecord[], now: number, limit = Infinity): AuditLine[] {
  const out: AuditLine[] = [];
  const groups: Group[] = [];
  /** The instance's warning group still open: its next older row, if a pause warning too, joins it. */
  const open = new Map<string, Group>();
  for (const r of rows) {
    const calledOffAt = r.kind === 'warn-pause' ? num(r.figures['calledOffAt']) : null;
    if (r.kind === 'warn-pause') {
      const g = open.get(r.instanceId);
      if (g) {
        g.line.rows++;
        g.since = r.createdAt;
        if (calledOffAt !== null) g.calledOff++;
        continue;
      }
    }
    if (out.length >= limit) {
      open.delete(r.instanceId);
      continue;
    }
    const line: AuditLine = { instanceId: r.instanceId, kind: r.kind, status: r.status, reason: r.reason, at: new Date(r.updatedAt).toISOString(), rows: 1 };
    out.push(line);
    if (r.kind === 'warn-pause') {
      const g = { line, newest: r, calledOff: calledOffAt === null ? 0 : 1, since: r.createdAt };
      groups.push(g);
      open.set(r.instanceId, g);
    } else open.delete(r.instanceId);
  }
  for (const g of groups) {
    const calledOffAt = num(g.newest.figures['calledOffAt']);
    if (g.line.rows > 1) g.line.reason = repeatedWarningsText(g.line.rows, g.calledOff, g.since, now);
    else if (calledOffAt !== null) g.line.reason = calledOffReasonText(g.newest.reason, calledOffAt, now);
  }
  return out;
}
