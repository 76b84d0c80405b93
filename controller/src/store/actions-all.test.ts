// The audit log past 10,000 rows: the readers that mean "all" (savings, the engine's inputs, crash recovery) still see
// every row they need. They used to read the newest 10,000 and silently lose the rest.
import { describe, expect, it } from 'vitest';
import { storeBackends, useTempStore } from '../../../test/helpers/temp-store';
import { savingsFromStore } from '../savings/store-savings';
import { fleetContext } from '../optimizer/engine-inputs';

const T0 = Date.parse('2026-10-01T00:00:00Z');
const H = 3_600_000;
const BUSY_ROWS = 10_050;

describe.each(storeBackends())('audit reads past 10,000 rows (%s)', (backend) => {
  const t = useTempStore(backend);

  /** One old pause of vast:1 (and, optionally, an old planned delete of vast:2), buried under BUSY_ROWS newer rows. */
  function buried(withPlanned = false) {
    const s = t.store;
    s.insertAction(
      {
        instanceId: 'vast:1',
        kind: 'pause',
        status: 'succeeded',
        reason: 'idle',
        figures: { pricePerHour: 2, stoppedPricePerHour: 0, stateBefore: 'running' },
      },
      T0,
    );
    s.insertAction({ instanceId: 'vast:1', kind: 'warn', status: 'succeeded', reason: 'delete in 1 h' }, T0 + 1);
    if (withPlanned) s.insertAction({ instanceId: 'vast:2', kind: 'delete', status: 'planned', reason: 'idle 24 h' }, T0 + 2);
    s.transaction(() => {
      for (let i = 0; i < BUSY_ROWS; i++)
        s.insertAction({ instanceId: `vast:${100 + (i % 50)}`, kind: 'warn', status: 'dry-run', reason: 'dry run' }, T0 + H + i);
    });
  }

  it('savings still count a pause older than the newest 10,000 rows', () => {
    buried();
    const savings = savingsFromStore(t.store, T0 + 10 * H);
    expect(savings.pauses).toBe(1);
    // Paused for 10 h at $2/h running and nothing stopped.
    expect(savings.totalUsd).toBeCloseTo(20, 6);
  });

  it("the engine's inputs keep each instance's own recent rows however busy the rest of the log is", () => {
    buried();
    const ctx = fleetContext(t.store, T0 + 2 * H);
    expect(ctx.actionsByInstance.get('vast:1')?.map((a) => a.kind)).toEqual(['warn', 'pause']);
    // Bounded per instance (20), not across the fleet.
    expect(Math.max(...[...ctx.actionsByInstance.values()].map((l) => l.length))).toBe(20);
  });

  it('crash recovery finds a planned row older than the newest 10,000 rows', () => {
    buried(true);
    expect(t.store.actionsWithStatus('planned').map((a) => [a.instanceId, a.kind])).toEqual([['vast:2', 'delete']]);
  });
});
