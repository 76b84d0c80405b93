// False alarms in the audit log: a pause warning that activity called off gets `calledOffAt` and `idleMs` (how long
// its idle spell had lasted) in its row's figures; the engine reads them back to hold later warnings back
// (engine/false-alarms.ts), and the audit views count them ("warned 6 times, called off 6 times").
import type { Decision, FalseAlarm } from '../engine';
import type { ActionRecord, Store } from '../store';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The false alarms among an instance's audit rows (any order in, newest first out). */
export function falseAlarmsOf(actions: readonly ActionRecord[]): FalseAlarm[] {
  const out: FalseAlarm[] = [];
  for (const a of actions) {
    if (a.kind !== 'warn-pause') continue;
    const at = num(a.figures['calledOffAt']);
    const idleMs = num(a.figures['idleMs']);
    if (at !== null && idleMs !== null) out.push({ at, idleMs });
  }
  return out.sort((x, y) => y.at - x.at);
}

/** Whether an audit row is a pause warning that was called off. */
export function isCalledOff(a: Pick<ActionRecord, 'kind' | 'figures'>): boolean {
  return a.kind === 'warn-pause' && num(a.figures['calledOffAt']) !== null;
}

/**
 * Marks the instance's newest sent pause warning as called off at `decision`'s time. The spell is measured from the
 * warning's episode start to the busy reading that ended it (or to now): an upper bound, so later warnings wait more
 * rather than less. `key`: the warning's decision key. Returns the false alarm, or null when no warning row is found or
 * it is marked already.
 */
export function recordFalseAlarm(
  store: Pick<Store, 'getActionByDecisionKey' | 'listActions' | 'updateAction'>,
  instanceId: string,
  decision: Decision,
  key: string | null = null,
): FalseAlarm | null {
  const now = decision.figures.now;
  // By its key when known (a new spell's warning may be newer); else the newest pause warning sent.
  const row =
    key !== null
      ? store.getActionByDecisionKey(key)
      : (store.listActions({ instanceId, limit: 20, kinds: ['warn-pause'] }).find((a) => a.status === 'succeeded') ?? null);
  if (!row || row.instanceId !== instanceId || row.kind !== 'warn-pause' || row.status !== 'succeeded' || isCalledOff(row)) return null;
  const start = num(row.figures['episodeStart']) ?? num(row.figures['idleSince']) ?? row.createdAt;
  const busyAt = decision.figures.busyAt;
  const end = busyAt !== null && busyAt > start ? Math.min(busyAt, now) : now;
  const alarm = { at: now, idleMs: Math.max(0, end - start) };
  store.updateAction(row.id, { status: row.status, figures: { calledOffAt: alarm.at, idleMs: alarm.idleMs } }, now);
  return alarm;
}
