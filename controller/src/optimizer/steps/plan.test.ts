// The plan step alone: decisions of kind none plan nothing, a pause plans one action keyed by its idle episode (the
// same key on a later cycle of the same episode, a new one after the instance got busy), and manual hosts are skipped.
import { describe, expect, it } from 'vitest';
import { engineConfig, engineInstance, feed, HOUR, MIN, stream, T0 } from '../../../../test/support/engine-test-kit';
import { decideOne, type EngineInstance, observeInventory } from '../../engine';
import { decisionKey, planActions } from './plan';

const cfg = engineConfig();
const START = T0 - 2 * HOUR;

/** Seen running at START, then 10 s agent samples until `now` with `util` per sample start. */
function decideAt(inst: EngineInstance, now: number, util: (t0: number) => number = () => 2) {
  return decideOne(inst, feed(observeInventory(null, { state: 'running' }, START, cfg), stream(START, now, 10_000, util), cfg), cfg, now);
}

describe('planActions', () => {
  it('plans nothing for a decision of kind none, and one keyed action for a pause', () => {
    const idle = engineInstance({ providerId: '1', name: 'idle-box' });
    const busy = engineInstance({ providerId: '2' });
    const decisions = [decideAt(idle, T0), decideAt(busy, T0, () => 80)];
    expect(decisions.map((d) => d.kind)).toEqual(['pause', 'none']);
    const planned = planActions(
      decisions,
      new Map([
        [idle.id, idle],
        [busy.id, busy],
      ]),
      { publicUrl: null, deleteThresholdHours: 24 },
    );
    expect(planned).toHaveLength(1);
    expect(planned[0]).toMatchObject({ instanceId: 'vast:1', providerId: '1', provider: 'vast', kind: 'pause', decisionKey: decisionKey(decisions[0]!) });
    expect(planned[0]!.figures).toMatchObject({ code: 'pause-idle', stateBefore: 'running', pricePerHour: 0.8 });
    expect(planned[0]!.logLine).toMatch(/^PAUSE: vast:1 \(RTX 4090\)/);
    expect(planned[0]!.notice).toContain('Paused *idle-box*');

    const manual = engineInstance({ id: 'manual:gpu1', provider: 'manual', providerId: 'gpu1' });
    expect(decideAt(manual, T0).kind).toBe('pause');
    expect(planActions([decideAt(manual, T0)], new Map([[manual.id, manual]]), { publicUrl: null, deleteThresholdHours: 24 })).toEqual([]);
  });

  it('keeps the key through one idle episode and changes it for the next', () => {
    const inst = engineInstance();
    const first = decideAt(inst, T0);
    const later = decideAt(inst, T0 + 5 * MIN);
    expect(later.kind).toBe('pause');
    expect(decisionKey(later)).toBe(decisionKey(first));
    expect(decisionKey(first)).toBe(`pause:vast:123456:${first.figures.idleSince}`);
    // Busy for a minute, then idle again long enough: a new episode, a new key.
    const busyOnce = (t: number) => (t >= T0 && t < T0 + MIN ? 80 : 2);
    const next = decideAt(inst, T0 + 40 * MIN, busyOnce);
    expect(next.kind).toBe('pause');
    expect(decisionKey(next)).not.toBe(decisionKey(first));
  });
});
