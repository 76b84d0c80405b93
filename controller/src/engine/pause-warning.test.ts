// The warning before a pause, decided by the pure engine on a timeline: when it goes out, what cancels it, and that
// it never holds a pause back by more than one cycle.
import { describe, expect, it } from 'vitest';
import { decideOne } from './decide';
import type { IdleState } from './idle-state';
import { observeInventory } from './observe-inventory';
import { engineConfig, engineInstance, feed, MIN, stream, T0 } from '../../../test/support/engine-test-kit';
import type { EngineInstance } from './types';

const cfg = engineConfig({ pauseWarningMinutes: 5 });
const START = T0;

/** Seen running at START, then agent samples every 10 s from START to `to` (util per sample start). */
function idleUntil(to: number, util: (t0: number) => number = () => 2, c = cfg): IdleState {
  const st = observeInventory(null, { state: 'running' }, START, c);
  return feed(st, stream(START, to, 10_000, util), c);
}

const at = (min: number) => START + min * MIN;

describe('pause warning', () => {
  it('goes out once idle for window - warning minutes, naming the pause time; the pause follows at the window', () => {
    expect(decideOne(engineInstance(), idleUntil(at(24)), cfg, at(24)).kind).toBe('none');
    const w = decideOne(engineInstance(), idleUntil(at(25)), cfg, at(25));
    expect(w.kind).toBe('warn-pause');
    expect(w.code).toBe('warn-pause');
    expect(w.figures.pauseAt).toBe(at(30));
    expect(w.reason).toContain('will be paused at 2025-01-01T00:30:00');
    // The first warning says since when the GPU has been idle, never "idle since n/a".
    expect(w.reason).not.toContain('n/a');
    expect(w.reason).toMatch(/^idle since 2025-01-01T00:00|^GPU idle in the latest samples/);
    expect(w.figures.next).toEqual({ kind: 'pause', at: at(30) });
    // Once sent (this idle episode), no second warning, and the pause comes at the window.
    const warned: Partial<EngineInstance> = { pauseWarnedAt: at(25) };
    expect(decideOne(engineInstance(warned), idleUntil(at(27)), cfg, at(27)).kind).toBe('none');
    expect(decideOne(engineInstance(warned), idleUntil(at(30)), cfg, at(30)).kind).toBe('pause');
  });

  it('a missed warning costs at most one cycle: due now and not warned -> warn now; the next cycle pauses', () => {
    const late = decideOne(engineInstance(), idleUntil(at(31)), cfg, at(31));
    expect(late.kind).toBe('warn-pause');
    expect(late.reason).toContain('at the next check');
    const next = decideOne(engineInstance({ pauseWarnedAt: at(31) }), idleUntil(at(32)), cfg, at(32));
    expect(next.kind).toBe('pause');
  });

  it('activity cancels it: a warning from before the instance got busy does not count for the next idle stretch', () => {
    // Idle 0-25 (warned at 25), busy 26-27, idle again from 27.
    const util = (t: number) => (t >= at(26) && t < at(27) ? 80 : 2);
    const busyAgain = decideOne(engineInstance({ pauseWarnedAt: at(25) }), idleUntil(at(31), util), cfg, at(31));
    expect(busyAgain.kind).toBe('none');
    expect(busyAgain.figures.pauseWarnedAt).toBeNull();
    // The new stretch gets its own warning before its own pause (the busy reading ends at 27: pause just after 57,
    // warning from just after 52).
    const rewarn = decideOne(engineInstance({ pauseWarnedAt: at(25) }), idleUntil(at(53), util), cfg, at(53));
    expect(rewarn.kind).toBe('warn-pause');
    expect(rewarn.figures.pauseAt).toBe(at(57) + 1);
  });

  it('a hold cancels it: no warning while held, and one sent before a hold (or release) no longer counts', () => {
    expect(decideOne(engineInstance({ holdUntil: at(60) }), idleUntil(at(26)), cfg, at(26)).kind).toBe('none');
    const afterRelease = decideOne(engineInstance({ pauseWarnedAt: at(25), pauseWarningResetAt: at(26) }), idleUntil(at(31)), cfg, at(31));
    expect(afterRelease.kind).toBe('warn-pause');
    expect(afterRelease.figures.pauseWarnEpisode).toBe(at(26));
  });

  it('PAUSE_WARNING_MINUTES=0 (or absent) sends none and pauses at the window', () => {
    const off = engineConfig({ pauseWarningMinutes: 0 });
    expect(decideOne(engineInstance(), idleUntil(at(26), undefined, off), off, at(26)).kind).toBe('none');
    expect(decideOne(engineInstance(), idleUntil(at(30), undefined, off), off, at(30)).kind).toBe('pause');
    expect(decideOne(engineInstance(), idleUntil(at(30), undefined, engineConfig()), engineConfig(), at(30)).kind).toBe('pause');
  });

  it('no warning for what time alone will not pause: protected, busy now, no current source', () => {
    expect(decideOne(engineInstance({ name: 'x [protect]' }), idleUntil(at(26)), cfg, at(26)).kind).toBe('none');
    expect(
      decideOne(
        engineInstance(),
        idleUntil(at(26), (t) => (t >= at(25) ? 90 : 2)),
        cfg,
        at(26),
      ).kind,
    ).toBe('none');
    // Samples stopped at 20: the source is gone by 26, unknown is never idle.
    expect(decideOne(engineInstance(), idleUntil(at(20)), cfg, at(26)).kind).toBe('none');
  });
});
