// The dashboard's savings detail (docs/savings.md): the last day, the last week, per provider and the delete horizon;
// in DRY_RUN, what would have been paused and deleted over the last days and the money that would have saved.
import type { Savings } from '../savings/savings';

/** The dry-run figures as /api/status carries them (`savings.wouldHave`, savings/would-have.ts). */
export interface WouldHaveView {
  days: number;
  pauses: number;
  deletes: number;
  usd: number;
  byProvider: Record<string, number>;
  items: { instanceId: string; kind: string; at: string; reason: string; usd: number; neededAgainAt: string | null }[];
}

const money = (x: number | undefined) => `$${(x ?? 0).toFixed(x !== undefined && x !== 0 && Math.abs(x) < 1 ? 3 : 2)}`;
const byProvider = (m: Record<string, number> | undefined) =>
  Object.entries(m ?? {})
    .map(([p, usd]) => `${p} ${money(usd)}`)
    .join(', ') || 'none yet';
const MAX_ITEMS = 20;

export function SavingsBreakdown(p: { savings: Partial<Savings> & { wouldHave?: WouldHaveView } }) {
  const s = p.savings;
  const w = s.wouldHave;
  return (
    <>
      <p style="color:var(--muted)" id="savings-breakdown">
        Saved in the last 24 h: <b id="saved-day">{money(s.lastDayUsd)}</b>, last 7 days: <b id="saved-week">{money(s.lastWeekUsd)}</b>; by provider:{' '}
        <span id="saved-providers">{byProvider(s.byProvider)}</span>. A pause counts while the instance stays paused, a delete for {s.deleteHorizonDays ?? 30}{' '}
        days.
      </p>
      {w && (
        <section id="would-have">
          <h2>Dry run: the last {w.days} days</h2>
          <p>
            Would have paused <b id="would-pauses">{w.pauses}</b> and deleted <b id="would-deletes">{w.deletes}</b>, saving <b id="would-usd">{money(w.usd)}</b>{' '}
            ({byProvider(w.byProvider)}). Nothing was acted on.
          </p>
          {w.items.length > 0 && (
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Would have</th>
                    <th>Instance</th>
                    <th>Saving</th>
                    <th>Why</th>
                  </tr>
                </thead>
                <tbody>
                  {w.items.slice(0, MAX_ITEMS).map((i) => (
                    <tr>
                      <td>{i.at.replace('T', ' ').slice(0, 16)}</td>
                      <td>{i.kind}</td>
                      <td>{i.instanceId}</td>
                      <td>{money(i.usd)}</td>
                      <td>
                        {i.reason}
                        {i.neededAgainAt !== null ? ` (in use again ${i.neededAgainAt.replace('T', ' ').slice(0, 16)})` : ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </>
  );
}
