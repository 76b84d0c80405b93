// Savings from the audit log: each succeeded pause counts until its instance's next resume (or delete), each delete from then on.
import { computeSavings, type Savings, type SavingsAction } from './savings';
import type { ActionRecord, Store } from '../store';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Pure: audit rows (any order) -> the savings inputs. Prices come from the figures recorded with each action. */
export function savingsActions(rows: readonly ActionRecord[]): SavingsAction[] {
  const sorted = [...rows].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
  const out: SavingsAction[] = [];
  const openPause = new Map<string, SavingsAction>();
  for (const r of sorted) {
    if (r.status !== 'succeeded') continue;
    if (r.kind === 'resume') {
      const p = openPause.get(r.instanceId);
      if (p) p.endedAt = r.createdAt;
      openPause.delete(r.instanceId);
      continue;
    }
    if (r.kind !== 'pause' && r.kind !== 'delete') continue;
    const a: SavingsAction = {
      instanceId: r.instanceId,
      kind: r.kind,
      at: r.createdAt,
      pricePerHour: num(r.figures['pricePerHour']),
      stoppedPricePerHour: num(r.figures['stoppedPricePerHour']),
      stateBefore: r.figures['stateBefore'] === 'running' ? 'running' : 'stopped',
      endedAt: null,
    };
    out.push(a);
    if (r.kind === 'pause') openPause.set(r.instanceId, a);
    else openPause.delete(r.instanceId);
  }
  return out;
}

/** `horizonDays`: DELETE_SAVINGS_HORIZON_DAYS (default 30). */
export function savingsFromStore(store: Store, now: number, horizonDays?: number): Savings {
  return computeSavings(
    savingsActions(store.allSucceededActions(['pause', 'resume', 'delete'])),
    now,
    horizonDays === undefined ? {} : { deleteHorizonMs: horizonDays * 86_400_000 },
  );
}
