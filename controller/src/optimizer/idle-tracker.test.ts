// The idle tracker saves only what changed: a state is written once after it changed, not again until it changes;
// an inventory reading that changes nothing leaves the state as it is and writes nothing; transitions are saved at once.
import { describe, expect, it, vi } from 'vitest';
import { memoryInstance } from '../../../test/fakes/memory-provider';
import { useTempStore } from '../../../test/helpers/temp-store';
import { memoryLogger } from '../../../test/support/memory-logger';
import { parseConfig } from '../config/config';
import type { SampleSummary } from '../domain/sample';
import { parseIdleState } from '../engine';
import { IdleTracker } from './idle-tracker';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const ts = useTempStore();

function sample(t0: number, util: number): SampleSummary {
  return { t0, t1: t0 + 10_000, source: 'agent', utilMax: util, utilMean: util, unknown: false, count: 10, memUsedMiB: 1, memTotalMiB: 2, procs: 0 };
}

function setup() {
  const idle = new IdleTracker(ts.store, parseConfig({ DATA_DIR: ts.dir }), memoryLogger().logger);
  const see = (id: string, state: 'running' | 'stopped', at: number) => idle.observeInventory({ id: `vast:${id}`, state }, at);
  ts.store.upsertInventory('vast', [memoryInstance('1'), memoryInstance('2', { state: 'stopped', rawState: 'exited' })], T0);
  const writes = vi.spyOn(ts.store, 'setIdleStates');
  const written = () => writes.mock.calls.flatMap((c) => [...c[0].keys()]);
  const stored = (id: string) => parseIdleState(JSON.stringify(ts.store.allIdleStates().get(`vast:${id}`)));
  return { idle, see, writes, written, stored };
}

describe('IdleTracker.persist', () => {
  it('writes a state once after it changed and not again until it changes', () => {
    const { idle, see, writes, written, stored } = setup();
    see('1', 'running', T0);
    see('2', 'stopped', T0);
    expect(idle.persist(true)).toBe(2);
    writes.mockClear();

    // Seen again in the same states: the very same state objects, nothing is written.
    const before = idle.get('vast:2');
    see('1', 'running', T0 + 60_000);
    see('2', 'stopped', T0 + 60_000);
    expect(idle.persist(true)).toBe(0);
    expect(writes).not.toHaveBeenCalled();
    expect(idle.get('vast:2')).toBe(before);

    // A sample changes instance 1 only: it alone is written, with the sample in it.
    idle.observe('vast:1', [sample(T0 + 60_000, 80)]);
    see('1', 'running', T0 + 120_000);
    see('2', 'stopped', T0 + 120_000);
    expect(idle.persist(true)).toBe(1);
    expect(written()).toEqual(['vast:1']);
    expect(stored('1')!.tracks.agent!.lastBusyEnd).toBe(T0 + 70_000);
    expect(stored('1')!.lastSeenAt).toBe(T0);
  });

  it('saves a transition in the partial save and keeps the rest for the full one', () => {
    const { idle, see, writes, written, stored } = setup();
    see('1', 'running', T0);
    see('2', 'stopped', T0);
    idle.persist(true);
    writes.mockClear();

    idle.observe('vast:1', [sample(T0 + 60_000, 80)]);
    see('2', 'running', T0 + 60_000); // resumed: runningSince changes, samples cannot rebuild that
    expect(idle.persist(false)).toBe(1);
    expect(written()).toEqual(['vast:2']);
    expect(stored('2')!.runningSince).toBe(T0 + 60_000);
    expect(idle.persist(true)).toBe(1);
    expect(written()).toEqual(['vast:2', 'vast:1']);
  });
});
