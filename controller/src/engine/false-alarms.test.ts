// No crying wolf, in the pure engine: after a warning that activity called off, the next warnings of the instance wait
// until the pause is closer to certain, and a pause never comes without its warning.
import { describe, expect, it } from 'vitest';
import { decideOne } from './decide';
import { explain } from './explain';
import { type FalseAlarm, recentFalseAlarms } from './false-alarms';
import type { IdleState } from './idle-state';
import { observeInventory } from './observe-inventory';
import { engineConfig, engineInstance, feed, HOUR, MIN, stream, T0 } from '../../../test/support/engine-test-kit';
import type { EngineInstance } from './types';

const cfg = engineConfig({ pauseWarningMinutes: 5 });
const at = (min: number) => T0 + min * MIN;

/** Seen running at T0, agent samples every 10 s, idle all along up to `to`. */
function idleUntil(to: number): IdleState {
  const st = observeInventory(null, { state: 'running' }, T0, cfg);
  return feed(st, stream(T0, to, 10_000, 2), cfg);
}

const inst = (falseAlarms: FalseAlarm[], over: Partial<EngineInstance> = {}) => engineInstance({ falseAlarms, ...over });
/** The first minute (0-60) at which the engine warns, and its decision. */
function firstWarning(i: EngineInstance) {
  for (let m = 0; m <= 60; m++) {
    const d = decideOne(i, idleUntil(at(m)), cfg, at(m));
    if (d.kind === 'warn-pause') return { m, d };
    expect(d.kind, `minute ${m}`).not.toBe('pause');
  }
  return null;
}

describe('false alarms', () => {
  it('none: the warning goes out PAUSE_WARNING_MINUTES ahead (idle 25 of 30 min)', () => {
    expect(firstWarning(inst([]))?.m).toBe(25);
  });

  it('one: the next warning waits until the spell outlasts the one that fooled us', () => {
    const w = firstWarning(inst([{ at: T0 - HOUR, idleMs: 27.5 * MIN }]))!;
    expect(w.m).toBe(28);
    expect(w.d.figures.pauseAt).toBe(at(30));
    // Before it, the decision says why the warning waits, and explain prints it.
    const held = decideOne(inst([{ at: T0 - HOUR, idleMs: 27.5 * MIN }]), idleUntil(at(26)), cfg, at(26), { checks: true });
    expect(held.kind).toBe('none');
    expect(held.figures.falseAlarms).toBe(1);
    expect(held.figures.pauseWarningHeldBack).toMatch(/1 false alarm in the last 24 h.*idle longer than 27.5 min/);
    expect(explain(held, engineInstance())).toContain('held back: 1 false alarm');
  });

  it('two in 24 h: the warning goes out only when the pause is due, and the pause one cycle later: never without it', () => {
    const alarms = [
      { at: T0 - 3 * HOUR, idleMs: 26 * MIN },
      { at: T0 - HOUR, idleMs: 25.5 * MIN },
    ];
    const w = firstWarning(inst(alarms))!;
    expect(w.m).toBe(30);
    expect(w.d.reason).toContain('at the next check');
    const next = decideOne(inst(alarms, { pauseWarnedAt: at(30) }), idleUntil(at(31)), cfg, at(31));
    expect(next.kind).toBe('pause');
  });

  it('a false alarm older than 24 h, in the future or malformed does not count', () => {
    const old = [{ at: T0 - 25 * HOUR, idleMs: 29 * MIN }];
    expect(firstWarning(inst(old))?.m).toBe(25);
    expect(
      recentFalseAlarms(
        [
          { at: T0 + MIN, idleMs: MIN },
          { at: Number.NaN, idleMs: MIN },
          { at: T0, idleMs: -1 },
        ],
        T0,
      ),
    ).toEqual([]);
  });

  it('a longer window of its own ([idle=...]) is waited for the same way', () => {
    const named = inst([{ at: T0 - HOUR, idleMs: 50 * MIN }], { name: 'box [idle=1h]' });
    expect(firstWarning(named)?.m).toBe(55);
    const learnt = inst([{ at: T0 - HOUR, idleMs: 57 * MIN }], { name: 'box [idle=1h]' });
    expect(firstWarning(learnt)?.m).toBe(58);
  });
});
