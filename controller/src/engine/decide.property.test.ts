// Property-based tests (fast-check): random fleets and random sample streams never break the safety rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineConfig } from '../config/config';
import type { InstanceState, MetricSource } from '../domain/instance';
import type { SampleSummary } from '../domain/sample';
import { decideOne } from './decide';
import { TRACK_ORDER, type TrackSource } from './idle-state';
import { parseIdleState } from './idle-state-parse';
import { observeInventory } from './observe-inventory';
import { observeSample } from './observe-sample';
import { isProtectedByMarker } from './protection';
import { buildScenario, type Delivered, replay, type ScenarioParams } from '../../../test/support/engine-scenario-kit';
import { compressedEngineConfig, engineInstance, HOUR, MIN, sample, T0 } from '../../../test/support/engine-test-kit';
import type { Decision, EngineInstance, LastAction } from './types';

// Compressed timings so a random stream of a few hundred samples spans several windows.
const cfg: EngineConfig = compressedEngineConfig();
const W = cfg.pauseWindowMinutes * MIN;
const MAX_GAP = cfg.maxGapSeconds * 1000;
const NOW = T0;
const START = NOW - 40 * MIN;

const paramsArb: fc.Arbitrary<ScenarioParams> = fc.record({
  seed: fc.integer(),
  sources: fc.subarray(['agent', 'ssh', 'provider'] as MetricSource[], { minLength: 1 }),
  idleBias: fc.constantFrom(0.6, 0.9, 0.97, 1),
  lateRate: fc.constantFrom(0, 0.05, 0.3),
  dupRate: fc.constantFrom(0, 0.1, 0.5),
  inventoryChanges: fc.integer({ min: 0, max: 3 }),
  endRunning: fc.boolean(),
});
const singleSource = paramsArb.map((p) => ({ ...p, sources: ['agent'] as MetricSource[] }));

/** Ground-truth classification, written independently of classify-sample.ts. */
function truth(s: SampleSummary): 'idle' | 'busy' | 'unknown' {
  if ((s.utilMax ?? -1) >= cfg.pauseThresholdGpu || (s.utilMean ?? -1) >= cfg.pauseThresholdGpu) return 'busy';
  if (s.unknown || s.utilMax === null || s.count <= 0 || s.t1 - s.t0 > MAX_GAP) return 'unknown';
  return 'idle';
}
const inWindow = (s: SampleSummary, ws: number, now: number) => s.t1 >= ws && s.t0 <= now;
const rank = (s: string) => TRACK_ORDER.indexOf(s as TrackSource);

/** Longest stretch of [ws, now] covered by none of the samples. */
function largestUncovered(samples: SampleSummary[], ws: number, now: number): number {
  const iv = samples.filter((s) => inWindow(s, ws, now)).sort((a, b) => a.t0 - b.t0);
  let reach = ws;
  let worst = 0;
  for (const s of iv) {
    worst = Math.max(worst, s.t0 - reach);
    reach = Math.max(reach, s.t1);
  }
  return Math.max(worst, now - reach);
}

/** Every condition a pause needs, checked against everything delivered (not against the engine's own state). */
function assertPauseJustified(d: Decision, delivered: Delivered[], restartAt: number | null, now: number): void {
  const ws = now - W;
  expect(restartAt).not.toBeNull();
  expect(ws).toBeGreaterThanOrEqual(restartAt!);
  const inWin = delivered.map((x) => x.s).filter((s) => inWindow(s, ws, now));
  expect(inWin.filter((s) => truth(s) === 'busy')).toEqual([]);
  const chosen = d.figures.source!;
  expect(inWin.filter((s) => rank(s.source) <= rank(chosen) && truth(s) !== 'idle')).toEqual([]);
  const fromChosen = delivered.map((x) => x.s).filter((s) => s.source === chosen);
  expect(largestUncovered(fromChosen, ws, now)).toBeLessThanOrEqual(MAX_GAP);
  const distinct = new Set(delivered.filter((x) => x.s.source === chosen && x.s.t0 >= ws && x.s.t0 <= now).map((x) => x.id));
  expect(d.figures.samples).toBeLessThanOrEqual(distinct.size);
  expect(d.figures.samples).toBeGreaterThanOrEqual(cfg.minSamples);
}

let pausesSeen = 0;
let deletesSeen = 0;

describe('engine properties', () => {
  it('single source, any order, gaps, unknowns, duplicates, restarts: a pause is always justified', () => {
    fc.assert(
      fc.property(singleSource, fc.integer({ min: 0, max: 20 * MIN }), (p, back) => {
        const now = NOW - back;
        const sc = buildScenario(p, cfg, START - back, now);
        const st = replay(sc, cfg);
        const d = decideOne(engineInstance({ state: sc.finalState }), st, cfg, now);
        if (d.kind === 'pause') {
          pausesSeen++;
          expect(sc.finalState).toBe('running');
          assertPauseJustified(d, sc.delivered, sc.restartAt, now);
        }
      }),
      { numRuns: 400 },
    );
    expect(pausesSeen).toBeGreaterThan(0); // the generator does reach pauses, so the property is not vacuous
  });

  it('several sources: no busy reading from any source and no unknown from the chosen or a better one', () => {
    let pauses = 0;
    fc.assert(
      fc.property(paramsArb, (p) => {
        const sc = buildScenario(p, cfg, START, NOW);
        const d = decideOne(engineInstance({ state: sc.finalState }), replay(sc, cfg), cfg, NOW);
        if (d.kind === 'pause') {
          pauses++;
          assertPauseJustified(d, sc.delivered, sc.restartAt, NOW);
        }
      }),
      { numRuns: 400 },
    );
    expect(pauses).toBeGreaterThan(0);
  });

  it('reordering never creates idleness: a shuffled delivery pauses only if in-order delivery does', () => {
    fc.assert(
      fc.property(singleSource, (p) => {
        const sc = buildScenario({ ...p, inventoryChanges: 0, endRunning: true }, cfg, START, NOW);
        const inOrder = { ...sc, delivered: [...sc.delivered].sort((a, b) => a.s.t1 - b.s.t1 || a.id - b.id) };
        const inst = engineInstance();
        const shuffled = decideOne(inst, replay(sc, cfg), cfg, NOW, { checks: true });
        const ordered = decideOne(inst, replay(inOrder, cfg), cfg, NOW, { checks: true });
        // Compare the pause rules themselves: the in-order stream may be idle long enough for a delete warning first.
        const pauseOk = (d: Decision) => d.checks!.pause.every((c) => c.ok);
        if (pauseOk(shuffled)) expect(pauseOk(ordered)).toBe(true);
        expect(shuffled.figures.samples).toBeLessThanOrEqual(ordered.figures.samples);
      }),
      { numRuns: 300 },
    );
  });

  it('restart grace: within a window of being seen running again, never paused, whatever the samples', () => {
    fc.assert(
      fc.property(paramsArb, fc.integer({ min: 0, max: W - 1 }), (p, sinceRestart) => {
        const sc = buildScenario(p, cfg, START, NOW);
        let st = replay(sc, cfg);
        const restart = NOW - sinceRestart;
        st = observeInventory(st, { state: 'stopped' }, restart - 1, cfg);
        st = observeInventory(st, { state: 'running' }, restart, cfg);
        for (const x of sc.delivered.filter((x) => x.s.t1 > restart - 2 * MIN)) st = observeSample(st, x.s, cfg); // replays straddle it
        const d = decideOne(engineInstance(), st, cfg, NOW);
        expect(d.kind).not.toBe('pause');
        expect(d.figures.runningSince).toBe(restart);
        expect(d.figures.samples).toBeLessThanOrEqual(sc.delivered.filter((x) => x.s.t0 >= restart).length);
      }),
      { numRuns: 300 },
    );
  });

  it('random fleets: protected, held or unknown-state is never paused or deleted; too young or not running is never deleted; not running is never paused', () => {
    const instArb = fc.record({
      state: fc.constantFrom<InstanceState>('running', 'running', 'stopped', 'stopped', 'starting', 'stopping', 'deleted', 'unknown'),
      marker: fc.constantFrom('none', 'name', 'gcp-label', 'label-value'),
      listed: fc.constantFrom('no', 'id', 'name', 'providerId'),
      hold: fc.constantFrom<number | null>(null, NOW - HOUR, NOW + MIN, NOW + 10 * HOUR, Number.NaN),
      created: fc.constantFrom<number | null>(null, NOW - 5 * MIN, NOW - 20 * MIN, NOW - 10 * HOUR, NOW + HOUR),
      warned: fc.constantFrom<number | null>(null, NOW - 10 * MIN, NOW - 30 * MIN, NOW - 3 * HOUR),
      lastAction: fc.option(
        fc.record({
          kind: fc.constantFrom<LastAction['kind']>('pause', 'delete', 'warn'),
          status: fc.constantFrom<LastAction['status']>('planned', 'succeeded', 'failed', 'dry-run', 'skipped'),
          at: fc.constantFrom(NOW - MIN, NOW - HOUR),
        }),
        { nil: null },
      ),
    });
    fc.assert(
      fc.property(paramsArb, instArb, fc.integer({ min: 1, max: 4 }), fc.boolean(), (p, o, spanHours, providerWins) => {
        const sc = buildScenario({ ...p, endRunning: p.endRunning || o.state === 'running' }, cfg, NOW - spanHours * HOUR, NOW);
        // The provider's state wins over the scenario's last reading half the time (a stale IdleState must be harmless).
        const state = o.state === 'running' || providerWins ? o.state : sc.finalState;
        const st = replay({ ...sc, inventory: [...sc.inventory, { at: NOW - 1, state }] }, cfg);
        const inst: EngineInstance = engineInstance({
          state,
          name: o.marker === 'name' ? 'job [PROTECT]' : 'job',
          labels: o.marker === 'gcp-label' ? { 'cost-optimizer-protect': 'TRUE' } : o.marker === 'label-value' ? { label: 'x [protect]' } : {},
          holdUntil: o.hold,
          createdAt: o.created,
          deleteWarnedAt: o.warned,
          lastAction: o.lastAction,
        });
        const list = o.listed === 'no' ? ['vast:999'] : [o.listed === 'id' ? inst.id : o.listed === 'name' ? inst.name : inst.providerId];
        const c = { ...cfg, protectedInstances: list };
        const d = decideOne(inst, st, c, NOW);
        const protectedNow = o.listed !== 'no' || o.marker !== 'none' || (o.hold !== null && !(o.hold <= NOW));
        if (protectedNow) expect(d.kind).toBe('none');
        expect(isProtectedByMarker(inst)).toBe(o.marker !== 'none');
        if (state !== 'running') expect(d.kind).not.toBe('pause');
        if (state !== 'running' && state !== 'stopped') expect(['none', 'pause']).toContain(d.kind);
        // Age: createdAt, or when the provider gives none, the controller's first sighting (a lower bound).
        const bornBy = o.created ?? st?.firstSeenAt ?? null;
        if (bornBy === null || NOW - bornBy <= cfg.minInstanceAgeHours * HOUR) expect(['none', 'pause']).toContain(d.kind);
        if (d.kind === 'pause') {
          pausesSeen++;
          assertPauseJustified(d, sc.delivered, sc.restartAt ?? st!.runningSince, NOW);
        }
        if (d.kind === 'delete') {
          deletesSeen++;
          expect(o.warned).not.toBeNull();
          expect(NOW - o.warned!).toBeGreaterThanOrEqual(cfg.deleteWarningHours * HOUR);
          expect(o.warned!).toBeGreaterThanOrEqual(d.figures.inactiveSince!);
          expect(NOW - d.figures.inactiveSince!).toBeGreaterThan(cfg.deleteThresholdHours * HOUR);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('engine in the loop: a delete always follows a warning DELETE_WARNING_HOURS earlier with no activity since', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(0.002, 0.01, 0.03), fc.constantFrom(0.01, 0.05, 0.2), (seed, userRate, busyRate) => {
        const r = (() => {
          let a = seed >>> 0;
          return () => (a = (a * 1664525 + 1013904223) >>> 0) / 4294967296;
        })();
        let state: InstanceState = 'running';
        let st = observeInventory(null, { state }, NOW, cfg);
        let warnedAt: number | null = null;
        let lastAction: LastAction | null = null;
        let lastActivity = NOW; // a busy or unknown reading, or a user start
        let busy = false;
        let agentUp = true;
        for (let now = NOW + MIN; now < NOW + 6 * HOUR; now += MIN) {
          // One minute of the world: user starts/stops, workload phases, agent outages, 10 s samples while running.
          if (r() < userRate) {
            state = state === 'running' ? 'stopped' : 'running';
            if (state === 'running') lastActivity = now - MIN;
          }
          if (r() < busyRate) busy = !busy;
          if (r() < 0.02) agentUp = !agentUp;
          if (state === 'running' && agentUp) {
            for (let t = now - MIN; t < now; t += 10_000) {
              const unknown = r() < 0.002;
              const s = sample(t, t + 10_000, unknown ? null : busy ? 80 : 2);
              if (busy || unknown) lastActivity = Math.max(lastActivity, t + 10_000);
              st = observeSample(st, s, cfg);
            }
          }
          st = observeInventory(st, { state }, now, cfg);
          const inst = engineInstance({ state, createdAt: NOW - 10 * HOUR, deleteWarnedAt: warnedAt, lastAction });
          const d = decideOne(inst, st, cfg, now);
          if (d.kind === 'warn-delete') warnedAt = now;
          if (d.kind === 'pause') {
            // The executor's contract: record the action, and feed the state its verification saw to observeInventory,
            // so that a resume right after the pause is seen as a restart.
            state = 'stopped';
            lastAction = { kind: 'pause', status: 'succeeded', at: now };
            st = observeInventory(st, { state }, now, cfg);
          }
          if (d.kind === 'delete') {
            deletesSeen++;
            expect(warnedAt).not.toBeNull();
            expect(now - warnedAt!).toBeGreaterThanOrEqual(cfg.deleteWarningHours * HOUR);
            expect(lastActivity).toBeLessThanOrEqual(warnedAt!);
            expect(now - lastActivity).toBeGreaterThan(cfg.deleteThresholdHours * HOUR);
            return;
          }
        }
      }),
      { numRuns: 150 },
    );
    expect(deletesSeen).toBeGreaterThan(0);
  });

  it('IdleState survives a restart: JSON round trip gives the same state and the same decisions', () => {
    fc.assert(
      fc.property(paramsArb, fc.integer({ min: 0, max: 10 * MIN }), (p, later) => {
        const sc = buildScenario(p, cfg, START, NOW);
        const st = replay(sc, cfg);
        if (st === null) return;
        const back = parseIdleState(JSON.stringify(st));
        expect(back).toEqual(st);
        const inst = engineInstance({ state: sc.finalState });
        expect(decideOne(inst, back, cfg, NOW + later)).toEqual(decideOne(inst, st, cfg, NOW + later));
      }),
      { numRuns: 200 },
    );
  });
});
