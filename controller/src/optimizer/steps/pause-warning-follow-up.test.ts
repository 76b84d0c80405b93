// The pause-warning follow-up alone: after a pause warning went out, an instance that got busy is told once that it
// will not be paused after all; a hold, a pause or a warning that never went out sends nothing.
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../../../test/support/memory-logger';
import { engineConfig, engineInstance, feed, HOUR, stream, T0 } from '../../../../test/support/engine-test-kit';
import { type Decision, decideOne, type EngineInstance, observeInventory } from '../../engine';
import type { ActionOutcome } from '../../executor/executor';
import type { Notifier } from '../../notify/webhook-notifier';
import type { DecisionInputs } from '../decide-instance';
import { PauseWarningFollowUp } from './pause-warning-follow-up';

const cfg = engineConfig();
const START = T0 - 2 * HOUR;
const inst = engineInstance({ providerId: '1', name: 'render-farm-7', pricePerHour: 0.5 });

function decide(util: number, over: Partial<EngineInstance> = {}): { decision: Decision; inputs: Map<string, DecisionInputs> } {
  const i = { ...inst, ...over };
  const idle = feed(observeInventory(null, { state: 'running' }, START, cfg), stream(START, T0, 10_000, util), cfg);
  return { decision: decideOne(i, idle, cfg, T0), inputs: new Map([[i.id, { instance: i, idle }]]) };
}

function setup() {
  const messages: string[] = [];
  const notifier: Notifier = { notify: (t) => void messages.push(t), flush: async () => {} };
  const { logger } = memoryLogger();
  const follow = new PauseWarningFollowUp({ notifier, logger, config: { publicUrl: null } });
  return { follow, messages };
}

const warned = (status: ActionOutcome['status'] = 'succeeded'): ActionOutcome[] => [{ instanceId: 'vast:1', kind: 'warn-pause', status, reason: 'idle' }];

describe('PauseWarningFollowUp', () => {
  it('tells once that a warned instance busy again will not be paused', () => {
    const { follow, messages } = setup();
    const busy = decide(80);
    expect([busy.decision.kind, busy.decision.code, busy.decision.figures.pauseWarnedAt ?? null]).toEqual(['none', 'busy', null]);
    follow.follow([], warned(), busy.inputs);
    follow.follow([busy.decision], [], busy.inputs);
    follow.follow([busy.decision], [], busy.inputs);
    expect(messages).toEqual([':white_check_mark: *render-farm-7* (vast:1; Vast.ai, RTX 4090, $0.500/h) will not be paused after all: its GPU is busy again.']);
  });

  it('sends nothing for a hold, nor for the pause that ends the warning', () => {
    const { follow, messages } = setup();
    const held = decide(2, { holdUntil: T0 + HOUR });
    expect(held.decision.code).toBe('hold');
    follow.follow([held.decision], warned(), held.inputs);
    // The hold ended the warning: a later busy decision has nothing to call off.
    const busy = decide(80);
    follow.follow([busy.decision], [], busy.inputs);

    const paused = decide(2);
    expect(paused.decision.kind).toBe('pause');
    follow.follow([paused.decision], warned(), paused.inputs);
    follow.follow([busy.decision], [], busy.inputs);
    expect(messages).toEqual([]);
  });

  it('sends nothing when the warning did not go out', () => {
    const { follow, messages } = setup();
    const busy = decide(80);
    follow.follow([busy.decision], warned('failed'), busy.inputs);
    follow.follow([busy.decision], [], busy.inputs);
    expect(messages).toEqual([]);
  });
});
