// IdleState persistence: JSON round trip across a controller restart, and damaged rows start fresh instead of crashing.
import { describe, expect, it } from 'vitest';
import { decideOne } from './decide';
import { emptyIdleState, serializeIdleState } from './idle-state';
import { parseIdleState } from './idle-state-parse';
import { observeInventory } from './observe-inventory';
import { engineConfig, engineInstance, feed, HOUR, MIN, sample, stream, T0 } from '../../../test/support/engine-test-kit';

const cfg = engineConfig();

describe('parseIdleState', () => {
  it('round-trips a state with every field in use, and the decision after a restart is the same', () => {
    let st = observeInventory(null, { state: 'running' }, T0 - 3 * HOUR, cfg);
    st = feed(st, [...stream(T0 - 3 * HOUR, T0, 10_000, 3), sample(T0 - 2 * HOUR, T0 - 2 * HOUR + 5, 90), sample(T0 - HOUR, T0 - HOUR + 5, null)], cfg);
    st = feed(st, stream(T0 - 3 * HOUR, T0 - 10 * MIN, 60_000, 1, 'provider'), cfg);
    const text = serializeIdleState(st);
    const back = parseIdleState(text);
    expect(back).toEqual(st);
    const inst = engineInstance();
    expect(decideOne(inst, back, cfg, T0 + 5 * MIN)).toEqual(decideOne(inst, st, cfg, T0 + 5 * MIN));
    expect(parseIdleState(JSON.parse(text))).toEqual(st);
  });

  it('accepts the empty state', () => {
    expect(parseIdleState(serializeIdleState(emptyIdleState()))).toEqual(emptyIdleState());
  });

  const good = () => JSON.parse(serializeIdleState(feed(observeInventory(null, { state: 'running' }, T0, cfg), stream(T0, T0 + HOUR, 10_000, 3), cfg)));
  it.each([
    ['not JSON', '{oops'],
    ['null', 'null'],
    ['an array', '[]'],
    ['another version', JSON.stringify({ ...emptyIdleState(), v: 2 })],
    ['a bad state name', JSON.stringify({ ...emptyIdleState(), lastState: 'paused' })],
    ['a string time', JSON.stringify({ ...emptyIdleState(), runningSince: '2025-01-01' })],
    ['an unknown track', JSON.stringify({ ...emptyIdleState(), tracks: { gpu: {} } })],
    ['a track missing fields', JSON.stringify({ ...emptyIdleState(), tracks: { agent: { lastEnd: 1 } } })],
    [
      'unsorted buckets',
      (() => {
        const g = good();
        g.tracks.agent.buckets.reverse();
        return JSON.stringify(g);
      })(),
    ],
    [
      'a bucket with more samples with mean than samples',
      (() => {
        const g = good();
        g.tracks.agent.buckets[0][2] = 10_000;
        return JSON.stringify(g);
      })(),
    ],
    [
      'too many buckets',
      (() => {
        const g = good();
        g.tracks.agent.buckets = Array.from({ length: 100 }, (_, i) => [i, 1, 1, 1, 1]);
        return JSON.stringify(g);
      })(),
    ],
  ])('rejects %s (null: start fresh)', (_name, text) => {
    expect(parseIdleState(text)).toBeNull();
  });
});
