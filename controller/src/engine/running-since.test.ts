// The running-since rule: a new episode at each transition to running, kept while running, narrowed to a later succeeded pause.
import { describe, expect, it } from 'vitest';
import { engineConfig, MIN, T0 } from '../../../test/support/engine-test-kit';
import type { IdleState } from './idle-state';
import { observeInventory } from './observe-inventory';
import { continuesRunningEpisode, runningSinceAfterReading, runningSinceOf } from './running-since';
import type { LastAction } from './types';

const cfg = engineConfig();
const at = (min: number) => T0 + min * MIN;

/** The idle state after inventory readings [minute, state]... */
function seen(...readings: [number, 'running' | 'stopped' | 'starting' | 'unknown'][]): IdleState {
  let st: IdleState | null = null;
  for (const [min, state] of readings) st = observeInventory(st, { state }, at(min), cfg);
  if (st === null) throw new Error('no reading');
  return st;
}

const pause = (min: number, status: LastAction['status'] = 'succeeded'): LastAction => ({ kind: 'pause', status, at: at(min) });

describe('runningSinceAfterReading', () => {
  it('starts an episode on the first running reading and on each transition to running; keeps it while running', () => {
    expect(runningSinceAfterReading(null, 'running', at(0))).toBe(at(0));
    expect(runningSinceAfterReading({ state: 'running', runningSince: at(0) }, 'running', at(5))).toBe(at(0));
    expect(runningSinceAfterReading({ state: 'stopped', runningSince: null }, 'running', at(5))).toBe(at(5));
    expect(runningSinceAfterReading({ state: 'starting', runningSince: null }, 'running', at(5))).toBe(at(5));
    // Running without a known start (a damaged record) starts afresh.
    expect(runningSinceAfterReading({ state: 'running', runningSince: null }, 'running', at(5))).toBe(at(5));
  });

  it('is null for every state but running', () => {
    for (const next of ['stopped', 'stopping', 'starting', 'unknown', 'deleted'] as const) {
      expect(runningSinceAfterReading({ state: 'running', runningSince: at(0) }, next, at(5))).toBeNull();
    }
  });

  it('continuesRunningEpisode says when the start is kept', () => {
    expect(continuesRunningEpisode({ state: 'running', runningSince: at(0) }, 'running')).toBe(true);
    expect(continuesRunningEpisode({ state: 'running', runningSince: null }, 'running')).toBe(false);
    expect(continuesRunningEpisode({ state: 'stopped', runningSince: null }, 'running')).toBe(false);
    expect(continuesRunningEpisode(null, 'running')).toBe(false);
    expect(continuesRunningEpisode({ state: 'running', runningSince: at(0) }, 'stopped')).toBe(false);
  });
});

describe('runningSinceOf', () => {
  it('is null for an instance never seen running', () => {
    expect(runningSinceOf('running', null, null)).toBeNull();
    expect(runningSinceOf('stopped', seen([0, 'stopped']), null)).toBeNull();
    expect(runningSinceOf('unknown', seen([0, 'unknown']), pause(1))).toBeNull();
  });

  it('is the start of the running episode the inventory saw', () => {
    expect(runningSinceOf('running', seen([0, 'running'], [5, 'running']), null)).toBe(at(0));
    expect(runningSinceOf('running', seen([0, 'running'], [5, 'stopped'], [10, 'running'], [15, 'running']), null)).toBe(at(10));
  });

  it('is null when the idle state did not see the state the provider reports now (observeInventory skipped)', () => {
    expect(runningSinceOf('running', seen([0, 'stopped']), null)).toBeNull();
    expect(runningSinceOf('stopped', seen([0, 'running']), null)).toBeNull();
  });

  it('is narrowed to a later succeeded pause: resumed after our pause, though no inventory saw it stopped', () => {
    const st = seen([0, 'running'], [40, 'running']);
    expect(runningSinceOf('running', st, pause(31))).toBe(at(31));
  });

  it('is not narrowed by a pause that failed, was only planned or dry-run, came before the episode, or has no valid time', () => {
    const st = seen([0, 'stopped'], [10, 'running'], [40, 'running']);
    expect(runningSinceOf('running', st, pause(31, 'failed'))).toBe(at(10));
    expect(runningSinceOf('running', st, pause(31, 'planned'))).toBe(at(10));
    expect(runningSinceOf('running', st, pause(31, 'dry-run'))).toBe(at(10));
    expect(runningSinceOf('running', st, pause(5))).toBe(at(10));
    expect(runningSinceOf('running', st, pause(10))).toBe(at(10));
    expect(runningSinceOf('running', st, { kind: 'pause', status: 'succeeded', at: Number.NaN })).toBe(at(10));
    expect(runningSinceOf('running', st, { kind: 'delete', status: 'succeeded', at: at(31) })).toBe(at(10));
  });
});
