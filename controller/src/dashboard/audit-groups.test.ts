// The dashboard's audit log groups an instance's repeated pause warnings into one line.
import { describe, expect, it } from 'vitest';
import type { ActionRecord } from '../store';
import { auditLines } from './audit-groups';

const T = Date.parse('2026-12-05T10:02:00Z');
let id = 0;
function row(instanceId: string, kind: ActionRecord['kind'], at: number, figures: Record<string, unknown> = {}): ActionRecord {
  id++;
  return {
    id,
    instanceId,
    kind,
    status: 'succeeded',
    reason: `${kind} reason`,
    figures,
    decisionKey: null,
    actor: 'controller',
    leaseEpoch: null,
    createdAt: at,
    updatedAt: at,
  };
}

describe('auditLines', () => {
  it('six warnings of one instance, each called off, are one line at the place of the newest', () => {
    const rows: ActionRecord[] = [];
    for (let k = 0; k < 6; k++) rows.push(row('vast:1', 'warn-pause', T + k * 12_000, { calledOffAt: T + k * 12_000 + 5000, idleMs: 20_000 }));
    rows.splice(3, 0, row('vast:2', 'pause', T + 30_000)); // another instance's act between them
    const lines = auditLines([...rows].reverse(), T + 80_000);
    expect(lines.map((l) => [l.instanceId, l.kind, l.rows, l.reason])).toEqual([
      ['vast:1', 'warn-pause', 6, 'warned 6 times, called off 6 times since 10:02 UTC'],
      ['vast:2', 'pause', 1, 'pause reason'],
    ]);
    expect(lines[0]!.at).toBe(new Date(T + 60_000).toISOString());
  });

  it("an instance's own act between its warnings splits them; a single called-off warning says when", () => {
    const rows = [
      row('vast:1', 'warn-pause', T, { calledOffAt: T + 60_000, idleMs: 1 }),
      row('vast:1', 'warn-pause', T + 120_000),
      row('vast:1', 'pause', T + 180_000),
      row('vast:1', 'warn-pause', T + 240_000, { calledOffAt: T + 300_000, idleMs: 1 }),
    ].reverse();
    expect(auditLines(rows, T + 400_000).map((l) => [l.kind, l.rows, l.reason])).toEqual([
      ['warn-pause', 1, 'warn-pause reason; called off at 10:07 UTC'],
      ['pause', 1, 'pause reason'],
      ['warn-pause', 2, 'warned 2 times, called off 1 time since 10:02 UTC'],
    ]);
  });

  it('keeps at most `limit` lines', () => {
    const rows = [row('a', 'pause', T), row('b', 'pause', T + 1), row('c', 'warn-pause', T + 2), row('c', 'warn-pause', T + 3)].reverse();
    expect(auditLines(rows, T, 2).map((l) => [l.instanceId, l.rows])).toEqual([
      ['c', 2],
      ['b', 1],
    ]);
  });
});
