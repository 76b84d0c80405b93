// The fleet simulator's main path end to end: every workload through the real ingest, store, engine, executor and
// provider clients against the three provider fakes, and what a correct optimizer does with each one.
// Short by default (hours of virtual time, seconds of wall time); SOAK=1 runs a day and a half with the real delete
// threshold, so the notebooks' evening pause and the forgotten instances' delete after 24 h are seen too.
import { describe, expect, it } from 'vitest';
import { fleetLayout, GPU_CATALOGUE, sharedTrace } from '../sim/fleet';
import { runSimulation } from '../sim/harness';
import type { SimReport } from '../sim/sim-report';
import { ALL_TRACES, forgotten } from '../traces/workloads';

const SOAK = process.env['SOAK'] === '1';
const H = 3600;
const hours = SOAK ? 34 : 10;

const events = (r: SimReport, trace: string) =>
  r.perInstance.filter((p) => p.trace === trace).map((p) => p.events.map((e) => `${e.kind}@${(e.t / H).toFixed(2)}`));
const times = (r: SimReport, trace: string, kind: string) =>
  r.perInstance.filter((p) => p.trace === trace).flatMap((p) => p.events.filter((e) => e.kind === kind).map((e) => e.t / H));

function expectClean(r: SimReport): void {
  const detail = JSON.stringify({ wrong: r.wrongActions, errors: r.errorSample.slice(0, 3) });
  expect(r.totals.wrongPauses, detail).toBe(0);
  expect(r.totals.wrongDeletes, detail).toBe(0);
  expect(r.integrity.actionsDuplicated).toBe(0);
  expect(r.integrity.samplesLost).toBe(0);
  expect(r.integrity.batchesRejected).toBe(0);
  expect(r.integrity.auditLeftPlanned).toEqual([]);
}

describe(`fleet simulation (${hours} h)`, () => {
  it('does what each workload calls for: the busy and the unknown are never paused, the idle are, users get theirs back', async () => {
    const r = await runSimulation({
      name: 'main path',
      days: hours / 24,
      seed: 3,
      instances: fleetLayout({ count: SOAK ? ALL_TRACES.length * 3 : ALL_TRACES.length, traces: ALL_TRACES, seed: 3, rotate: true }),
    });
    expectClean(r);
    expect(Object.keys(r.byProvider).sort()).toEqual(['gcp', 'tensordock', 'vast']);
    for (const t of ['long-training', 'dataloader-bound', 'bursty-inference', 'mig-under-load', 'agent-dies']) {
      expect(r.byTrace[t]!.pauses + r.byTrace[t]!.deletes, `${t}: ${JSON.stringify(events(r, t))}`).toBe(0);
    }
    // Forgotten: paused once its first idle window is over, long before anyone would come back.
    for (const t of times(r, 'forgotten', 'pause')) expect(t).toBeLessThanOrEqual(1.1);
    expect(times(r, 'forgotten', 'pause')).toHaveLength(r.byTrace['forgotten']!.instances);
    // The batch job: paused a window after it finished at 5 h, not before.
    for (const t of times(r, 'job-finishes-h5', 'pause')) expect(t).toBeGreaterThanOrEqual(5.5);
    expect(times(r, 'job-finishes-h5', 'pause')).toHaveLength(r.byTrace['job-finishes-h5']!.instances);
    // Paused while idle, resumed by its user at 3 h, left alone during the 6 h of training, paused again after it.
    for (const ev of events(r, 'restarted-after-pause')) {
      expect(ev[0]).toMatch(/^pause@(0|1)\./);
      expect(ev[1]).toBe('resume@3.00');
      expect(Number(ev[2]!.split('@')[1])).toBeGreaterThanOrEqual(9.5);
    }
    // The notebook: paused in the night, resumed by its user at 09:00, not paused while they work.
    for (const p of r.perInstance.filter((x) => x.trace === 'notebook-daytime')) {
      expect(p.events[0]!.kind).toBe('pause');
      expect(p.events[0]!.t).toBeLessThan(9 * H);
      expect(p.events[1]).toEqual({ t: 9 * H, kind: 'resume' });
      // The user works until 18:00; the evening pause comes a window after their last GPU work.
      for (const e of p.events.slice(2)) if (e.kind === 'pause') expect(e.t % (24 * H)).toBeGreaterThan(18 * H);
      if (SOAK) expect(p.events.map((e) => e.kind)).toEqual(['pause', 'resume', 'pause', 'resume']);
    }
    // People at the keyboard: never paused during the debugging session (10:00-12:00) or while notebook cells run
    // (13:00-17:00), though the GPU is idle; paused overnight (the first night starts the trace).
    for (const [t, from, to] of [
      ['interactive-debugging', 10, 12],
      ['jupyter-session', 13, 17],
    ] as const) {
      const pauses = times(r, t, 'pause');
      expect(pauses.length, t).toBeGreaterThanOrEqual(r.byTrace[t]!.instances);
      for (const h of pauses) expect(h % 24 >= from && h % 24 < to + 0.25, `${t} paused at ${h.toFixed(2)} h`).toBe(false);
    }
    // Savings are real: the idle workloads cost less, the busy ones the same.
    expect(r.byTrace['forgotten']!.savedPct).toBeGreaterThan(80);
    expect(r.byTrace['long-training']!.savedUsd).toBe(0);
    if (SOAK) expect(times(r, 'forgotten', 'delete').length).toBeGreaterThan(0); // after 24 h, where a creation time is known
  }, 600_000);

  it('deletes forgotten instances after DELETE_THRESHOLD_HOURS, announced DELETE_WARNING_HOURS before, on every provider', async () => {
    const one = (key: string, provider: 'vast' | 'tensordock' | 'gcp', seed: number) => ({
      key,
      provider,
      model: GPU_CATALOGUE[provider][0]!,
      trace: sharedTrace(forgotten, seed),
    });
    const r = await runSimulation({
      name: 'forgotten, short delete threshold',
      days: 2.25 / 24,
      seed: 4,
      env: { DELETE_THRESHOLD_HOURS: '1.5', DELETE_WARNING_HOURS: '0.25' },
      instances: [one('f0', 'vast', 81), one('f1', 'gcp', 82), one('f2', 'tensordock', 83)],
    });
    expectClean(r);
    const byKey = new Map(r.perInstance.map((p) => [p.key, p.events.map((e) => `${e.kind}@${(e.t / H).toFixed(2)}`)]));
    for (const k of ['f0', 'f1']) {
      const ev = byKey.get(k)!;
      expect(ev).toHaveLength(2);
      expect(ev[1]).toMatch(/^delete@1\.5/);
    }
    // TensorDock v2 gives no creation time: the controller's first sighting is a lower bound of the age, so the
    // forgotten instance there is deleted too (before, it was only paused and paid for its storage forever).
    const f2 = byKey.get('f2')!;
    expect(f2).toHaveLength(2);
    expect(f2[1]).toMatch(/^delete@1\.5/);
    expect(r.integrity.audit['warn/succeeded']).toBe(3);
    expect(r.integrity.audit['delete/succeeded']).toBe(3);
  }, 300_000);

  it('is deterministic for a seed: the same run twice gives the same actions, savings and counters', async () => {
    const o = { name: 'twice', days: 1.25 / 24, seed: 9, instances: fleetLayout({ count: ALL_TRACES.length, traces: ALL_TRACES, seed: 9, rotate: true }) };
    const [a, b] = [await runSimulation(o), await runSimulation(o)];
    const strip = (r: SimReport) => ({ per: r.perInstance, totals: r.totals, integrity: r.integrity, calls: r.actionCalls });
    expect(strip(b)).toEqual(strip(a));
    expect(a.totals.pauses).toBeGreaterThan(0);
  }, 300_000);
});
