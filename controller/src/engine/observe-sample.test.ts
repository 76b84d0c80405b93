// observeSample / observeInventory: incremental idle tracking, late and duplicate samples, restarts, bounded size.
import { describe, expect, it } from 'vitest';
import { windowStats } from './buckets';
import { engineTimes } from './engine-times';
import { MAX_BUCKETS } from './idle-state';
import { windowView } from './idle-window';
import { observeInventory } from './observe-inventory';
import { observeSample } from './observe-sample';
import { engineConfig, feed, HOUR, MIN, sample, stream, T0 } from '../../../test/support/engine-test-kit';

const cfg = engineConfig();
const t = engineTimes(cfg);
const NOW = T0;
const running = (at: number) => observeInventory(null, { state: 'running' }, at, cfg);

describe('observeSample', () => {
  it('starts an idle run at the first idle sample and extends it while samples stay idle and close', () => {
    const st = feed(running(NOW - HOUR), stream(NOW - HOUR, NOW, 10_000, 4), cfg);
    const tr = st.tracks.agent!;
    expect(tr.runStart).toBe(NOW - HOUR);
    expect(tr.runCount).toBe(360);
    expect(tr.lastEnd).toBe(NOW);
    expect(tr.runMaxGapMs).toBe(0);
  });

  it('ends the run on a busy, an unknown or a gap, and records when', () => {
    let st = feed(running(NOW - HOUR), stream(NOW - HOUR, NOW - 30 * MIN, 10_000, 4), cfg);
    st = observeSample(st, sample(NOW - 30 * MIN, NOW - 30 * MIN + 10_000, 70), cfg);
    expect(st.tracks.agent).toMatchObject({ runStart: null, lastBusyEnd: NOW - 30 * MIN + 10_000, lastBusyUtil: 70 });
    st = feed(st, stream(NOW - 29 * MIN, NOW - 20 * MIN, 10_000, 4), cfg);
    expect(st.tracks.agent!.runStart).toBe(NOW - 29 * MIN);
    st = observeSample(st, sample(NOW - 20 * MIN, NOW - 20 * MIN + 10_000, null), cfg);
    expect(st.tracks.agent).toMatchObject({ runStart: null, lastUnknownEnd: NOW - 20 * MIN + 10_000 });
    st = feed(st, stream(NOW - 19 * MIN, NOW - 15 * MIN, 10_000, 4), cfg);
    st = feed(st, stream(NOW - 10 * MIN, NOW, 10_000, 4), cfg); // a 5 min gap
    expect(st.tracks.agent).toMatchObject({ runStart: NOW - 10 * MIN, gapBeforeRunMs: 5 * MIN });
  });

  it('ignores a late idle sample but lets a late busy one veto and end the run', () => {
    let st = feed(running(NOW - HOUR), stream(NOW - HOUR, NOW, 10_000, 4), cfg);
    const before = st;
    st = observeSample(st, sample(NOW - 5 * MIN, NOW - 5 * MIN + 10_000, 1), cfg);
    expect(st).toBe(before); // nothing changed, same object
    st = observeSample(st, sample(NOW - 5 * MIN, NOW - 5 * MIN + 10_000, 50), cfg);
    expect(st.tracks.agent).toMatchObject({ runStart: null, lastBusyEnd: NOW - 5 * MIN + 10_000, lastEnd: NOW });
    expect(windowView(st, NOW, t).busy).toMatchObject({ source: 'agent', util: 50 });
  });

  it('keeps one track per source so sources never reorder each other', () => {
    let st = feed(running(NOW - HOUR), stream(NOW - HOUR, NOW, 10_000, 4), cfg);
    st = feed(st, stream(NOW - HOUR, NOW - 30 * MIN, 60_000, 0, 'ssh'), cfg);
    expect(st.tracks.agent!.runStart).toBe(NOW - HOUR);
    expect(st.tracks.ssh!.lastEnd).toBe(NOW - 30 * MIN);
    expect(windowView(st, NOW, t).source).toBe('agent');
  });

  it.each([
    ['NaN start', sample(Number.NaN, NOW, 1)],
    ['end before start', sample(NOW, NOW - 1, 1)],
    ['infinite utilization', sample(NOW - 10_000, NOW, Number.POSITIVE_INFINITY, { unknown: false })],
    ['negative utilization', sample(NOW - 10_000, NOW, -3, { unknown: false })],
    ['NaN mean', sample(NOW - 10_000, NOW, 2, { utilMean: Number.NaN })],
    ['NaN count', sample(NOW - 10_000, NOW, 2, { count: Number.NaN })],
    ['one sample spanning 20 min (could hide a gap)', sample(NOW - 20 * MIN, NOW, 2)],
  ])('a bad sample (%s) ends the idle run and never crashes', (_name, bad) => {
    const st = feed(running(NOW - HOUR), stream(NOW - HOUR, NOW - 10_000, 10_000, 4), cfg);
    expect(st.tracks.agent!.runStart).toBe(NOW - HOUR);
    const next = observeSample(st, bad, cfg);
    expect(next.tracks.agent!.runStart).toBeNull();
    expect(windowView(next, NOW, t).covered).toBe(false);
  });

  it('stays small whatever the number of samples', () => {
    const st = feed(running(NOW - 48 * HOUR), stream(NOW - 48 * HOUR, NOW, 1_000, 3), cfg);
    expect(st.tracks.agent!.buckets.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(JSON.stringify(st).length).toBeLessThan(2_000);
  });

  it('counts no more samples than really lie in the window, and close to it', () => {
    for (const step of [1_000, 7_000, 10_000, 60_000]) {
      const samples = stream(NOW - 3 * HOUR + 3_333, NOW, step, 3);
      const st = feed(running(NOW - 3 * HOUR), samples, cfg);
      const ws = NOW - t.windowMs;
      const real = samples.filter((s) => s.t0 >= ws && s.t0 <= NOW).length;
      const tr = st.tracks.agent!;
      const counted = windowStats(tr.buckets, tr.bucketMs, ws, NOW, tr.lastEnd).samples;
      expect(counted).toBeLessThanOrEqual(real);
      expect(counted).toBeGreaterThanOrEqual(Math.floor(real * 0.85));
    }
  });

  it('a busy sample while stopped resets the inactive clock (activity returned)', () => {
    let st = feed(running(NOW - 5 * HOUR), stream(NOW - 5 * HOUR, NOW - 4 * HOUR, 10_000, 3), cfg);
    st = observeInventory(st, { state: 'stopped' }, NOW - 4 * HOUR + MIN, cfg);
    expect(st.stoppedSince).toBe(NOW - 5 * HOUR);
    st = observeSample(st, sample(NOW - HOUR, NOW - HOUR + 10_000, 90), cfg);
    expect(st.stoppedSince).toBeNull();
    st = observeInventory(st, { state: 'stopped' }, NOW, cfg);
    expect(st.stoppedSince).toBe(NOW);
  });
});

describe('observeInventory', () => {
  it('restart grace: seen running again forgets idle runs and counts, keeps vetoes', () => {
    let st = feed(running(NOW - 3 * HOUR), stream(NOW - 3 * HOUR, NOW - HOUR, 10_000, 3), cfg);
    st = observeSample(st, sample(NOW - 2 * HOUR, NOW - 2 * HOUR + 1, 99), cfg); // late busy, recorded
    st = observeInventory(st, { state: 'stopped' }, NOW - HOUR, cfg);
    expect(st.runningSince).toBeNull();
    st = observeInventory(st, { state: 'running' }, NOW - 10 * MIN, cfg);
    expect(st.runningSince).toBe(NOW - 10 * MIN);
    expect(st.stoppedSince).toBeNull();
    expect(st.tracks.agent).toMatchObject({ runStart: null, runCount: 0, buckets: [], lastBusyEnd: NOW - 2 * HOUR + 1 });
  });

  it('first seen running starts the clock then; seen running again changes nothing', () => {
    const st = observeInventory(null, { state: 'running' }, NOW - HOUR, cfg);
    expect(st).toMatchObject({ firstSeenAt: NOW - HOUR, runningSince: NOW - HOUR, lastState: 'running' });
    const again = observeInventory(st, { state: 'running' }, NOW, cfg);
    expect(again).toBe(st);
    expect(again).toMatchObject({ firstSeenAt: NOW - HOUR, runningSince: NOW - HOUR, lastSeenAt: NOW - HOUR });
  });

  it('idle then stopped is one inactive stretch; busy then stopped starts it at the stop', () => {
    let idle = feed(running(NOW - 5 * HOUR), stream(NOW - 5 * HOUR, NOW - HOUR, 10_000, 3), cfg);
    idle = observeInventory(idle, { state: 'stopping' }, NOW - HOUR + 30_000, cfg);
    idle = observeInventory(idle, { state: 'stopped' }, NOW, cfg);
    expect(idle.stoppedSince).toBe(NOW - 5 * HOUR);
    let busy = feed(running(NOW - 5 * HOUR), stream(NOW - 5 * HOUR, NOW - HOUR, 10_000, 60), cfg);
    busy = observeInventory(busy, { state: 'stopped' }, NOW - HOUR + 30_000, cfg);
    expect(busy.stoppedSince).toBe(NOW - HOUR + 30_000);
  });

  it('starting, unknown and deleted clear both clocks; stopped after unknown restarts the stopped clock', () => {
    let st = observeInventory(null, { state: 'stopped' }, NOW - 10 * HOUR, cfg);
    expect(st.stoppedSince).toBe(NOW - 10 * HOUR);
    st = observeInventory(st, { state: 'unknown' }, NOW - 5 * HOUR, cfg);
    expect(st).toMatchObject({ stoppedSince: null, runningSince: null });
    st = observeInventory(st, { state: 'stopped' }, NOW - 4 * HOUR, cfg);
    expect(st.stoppedSince).toBe(NOW - 4 * HOUR);
    st = observeInventory(st, { state: 'starting' }, NOW - 3 * HOUR, cfg);
    expect(st.stoppedSince).toBeNull();
  });
});
