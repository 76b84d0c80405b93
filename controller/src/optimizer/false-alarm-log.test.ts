// False alarms in the audit log: the follow-up marks a called-off pause warning's row, the engine's inputs read it back,
// and the next warning of that instance waits.
import { describe, expect, it } from 'vitest';
import { engineConfig, engineInstance, feed, MIN, stream, T0 } from '../../../test/support/engine-test-kit';
import { useTempStore } from '../../../test/helpers/temp-store';
import { memoryLogger } from '../../../test/support/memory-logger';
import { decideOne, type EngineInstance, observeInventory } from '../engine';
import type { Notifier } from '../notify/webhook-notifier';
import { falseAlarmsOf, isCalledOff, recordFalseAlarm } from './false-alarm-log';
import { PauseWarningFollowUp } from './steps/pause-warning-follow-up';
import { decisionKey } from './steps/plan';

const cfg = engineConfig({ pauseWarningMinutes: 5 });
const at = (m: number) => T0 + m * MIN;
const inst = engineInstance({ providerId: '1' });

const t = useTempStore();

/** Seen running at T0; idle, busy from minute 27 to 28 (a request), idle again; decided at minute `m`. */
function decideAt(m: number, over: Partial<EngineInstance> = {}, c = cfg) {
  const util = (t: number) => (t >= at(27) && t < at(28) ? 80 : 2);
  const idle = feed(observeInventory(null, { state: 'running' }, T0, c), stream(T0, at(m), 10_000, util), c);
  const instance = { ...inst, ...over };
  return { decision: decideOne(instance, idle, c, at(m)), inputs: new Map([[instance.id, { instance, idle }]]) };
}

function followUp() {
  const messages: string[] = [];
  const notifier: Notifier = { notify: (t) => void messages.push(t), flush: async () => {} };
  return { messages, follow: new PauseWarningFollowUp({ notifier, logger: memoryLogger().logger, config: { publicUrl: null }, store: t.store }) };
}

describe('false alarms in the audit log', () => {
  it('the follow-up marks the called-off warning; the engine then holds the next warning back', () => {
    const warn = decideAt(25);
    expect(warn.decision.kind).toBe('warn-pause');
    t.store.insertAction(
      {
        instanceId: inst.id,
        kind: 'warn-pause',
        status: 'succeeded',
        reason: warn.decision.reason,
        figures: { episodeStart: warn.decision.figures.pauseWarnEpisode },
      },
      at(25),
    );
    const { messages, follow } = followUp();
    follow.follow([], [{ instanceId: inst.id, kind: 'warn-pause', status: 'succeeded', reason: '' }], warn.inputs);
    const busy = decideAt(28, { pauseWarnedAt: at(25) });
    expect(busy.decision.code).toBe('busy');
    follow.follow([busy.decision], [], busy.inputs);
    expect(messages).toHaveLength(1);

    const rows = t.store.listActions({ instanceId: inst.id });
    expect(rows.map(isCalledOff)).toEqual([true]);
    const alarms = falseAlarmsOf(rows);
    // From the episode start (minute 0) to the end of the latest busy reading (minute 28): an upper bound of the spell.
    expect(alarms).toEqual([{ at: at(28), idleMs: 28 * MIN }]);
    // Marked once: a second call finds nothing to mark.
    expect(recordFalseAlarm(t.store, inst.id, busy.decision)).toBeNull();

    // The next spell (from 28) would be warned at 53 (pause at 58); after the false alarm, only once idle > 28 min.
    const next = { pauseWarnedAt: at(25), falseAlarms: alarms };
    expect(decideAt(53, next).decision.kind).toBe('none');
    expect(decideAt(53, next).decision.figures.pauseWarningHeldBack).toContain('1 false alarm');
    expect(decideAt(56, next).decision.kind).toBe('none');
    expect(decideAt(57, next).decision.kind).toBe('warn-pause');
  });

  it("a new spell's warning in the cycle after the old spell ended busy calls the old one off (a lead longer than the burst)", () => {
    const long = engineConfig({ pauseWarningMinutes: 45 });
    const first = decideAt(20, {}, long);
    expect([first.decision.kind, first.decision.figures.pauseWarnEpisode]).toEqual(['warn-pause', T0]);
    const key = decisionKey(first.decision);
    t.store.insertAction(
      { instanceId: inst.id, kind: 'warn-pause', status: 'succeeded', reason: 'first', figures: { episodeStart: T0 }, decisionKey: key },
      at(20),
    );
    const { messages, follow } = followUp();
    const sent = [{ instanceId: inst.id, kind: 'warn-pause' as const, status: 'succeeded' as const, reason: '' }];
    follow.follow([first.decision], sent, first.inputs);
    // The burst (27-28) ended the spell; the next cycle warns for the new one, its row newer than the first's.
    const second = decideAt(29, { pauseWarnedAt: at(20) }, long);
    expect([second.decision.kind, second.decision.figures.pauseWarnEpisode]).toEqual(['warn-pause', at(28)]);
    t.store.insertAction({ instanceId: inst.id, kind: 'warn-pause', status: 'succeeded', reason: 'second', decisionKey: decisionKey(second.decision) }, at(29));
    follow.follow([second.decision], sent, second.inputs);
    expect(messages).toEqual([expect.stringContaining('will not be paused after all: its GPU was busy again')]);
    expect(t.store.listActions({ instanceId: inst.id }).map((a) => [a.reason, isCalledOff(a)])).toEqual([
      ['second', false],
      ['first', true],
    ]);
    // The second spell's warning stands: the same spell again calls nothing off.
    follow.follow([decideAt(30, { pauseWarnedAt: at(29) }, long).decision], [], second.inputs);
    expect(messages).toHaveLength(1);
  });
});
