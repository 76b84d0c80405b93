// The HTTP view shows what the last cycle decided, not a decision of its own: samples that arrive after a cycle change
// nothing until the next one; explain details the cycle's very decision; an instance no cycle decided, or one an
// operator act changed (forgotten), is decided on request with the cycle's functions.
import { describe, expect, it } from 'vitest';
import { MemoryProvider, memoryInstance } from '../../../test/fakes/memory-provider';
import { gpuStats } from '../../../test/helpers/gpu-stats';
import { useTempStore } from '../../../test/helpers/temp-store';
import { parseConfig } from '../config/config';
import { silentLogger } from '../log';
import { CostOptimizer } from '../compose/cost-optimizer';
import type { SampleInput } from '../store';
import { createEngineView } from './engine-view';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const ts = useTempStore();

function idleSamples(id: string, from: number, to: number): SampleInput[] {
  const out: SampleInput[] = [];
  for (let t = from; t + 10_000 <= to; t += 10_000) {
    out.push({ instanceId: id, source: 'agent', t0: t, t1: t + 10_000, gpus: [gpuStats(0, 0)], procs: 0, health: { state: 'ok' }, run: null });
  }
  return out;
}

function setup(provider = new MemoryProvider([memoryInstance('1')])) {
  let now = T0;
  const config = parseConfig({
    DATA_DIR: ts.dir,
    PAUSE_WINDOW_MINUTES: '1',
    MIN_SAMPLES: '3',
    MAX_GAP_SECONDS: '30',
    CHECK_INTERVAL: '10',
    PAUSE_WARNING_MINUTES: '0',
  });
  const opt = new CostOptimizer(config, { store: ts.store, logger: silentLogger, now: () => now, sshPoller: null });
  opt.addProvider('vast', provider);
  const view = createEngineView({ ...opt.cycle.deps, last: opt.cycle.last });
  return { opt, view, setNow: (t: number) => (now = t) };
}

describe('the engine view', () => {
  it('shows the last cycle decision until the next cycle, and explains that decision', async () => {
    const { opt, view, setNow } = setup();
    const first = await opt.runOnce();
    const rec = () => ts.store.getInstance('vast:1')!;
    expect(view.instance(rec(), T0)).toMatchObject({ idleSince: null, decidedAt: T0 });

    ts.store.insertSamples(idleSamples('vast:1', T0, T0 + 90_000), T0 + 90_000);
    setNow(T0 + 90_000);
    // Idle for 90 s now, but no cycle has looked: the view still says what the cycle at T0 decided.
    expect(view.instance(rec(), T0 + 90_000)).toMatchObject({ idleSince: null, decidedAt: T0 });
    const explained = view.explain(rec(), T0 + 90_000) as { code: string; text: string; decidedAt: string };
    expect(explained.code).toBe(first.decisions[0]!.code);
    expect(explained.decidedAt).toBe(new Date(T0).toISOString());
    expect(explained.text).toMatch(/running since/);

    // Forgotten (an operator act changed its inputs): decided on request, and it shows the idle stretch.
    opt.cycle.last.forget('vast:1');
    const fresh = view.instance(rec(), T0 + 90_000);
    expect(fresh.decidedAt).toBe(T0 + 90_000);
    expect(fresh.idleSince).toBe(T0);
  });

  it('decides on request an instance no cycle has decided, alone or in a batch', async () => {
    const { opt, view } = setup();
    await opt.runOnce();
    ts.store.ensureInstance('manual:box', T0 + 5_000);
    const manual = ts.store.getInstance('manual:box')!;
    const got = view.instances!([ts.store.getInstance('vast:1')!, manual], T0 + 5_000);
    expect(got.map((v) => v.decidedAt)).toEqual([T0, T0 + 5_000]);
    expect(view.instance(manual, T0 + 6_000).decidedAt).toBe(T0 + 6_000);
  });

  it('an operator act while the cycle is acting is not hidden by that cycle decision', async () => {
    // The executor's last re-check waits on the provider; meanwhile someone holds the instance (operations.changed).
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    class SlowProvider extends MemoryProvider {
      override async get(id: string) {
        await gate;
        return super.get(id);
      }
    }
    const { opt, view, setNow } = setup(new SlowProvider([memoryInstance('1')]));
    await opt.runOnce();
    ts.store.insertSamples(idleSamples('vast:1', T0, T0 + 90_000), T0 + 90_000);
    setNow(T0 + 90_000);
    const cycle = opt.runOnce();
    await new Promise((r) => setTimeout(r, 50));
    expect(view.instance(ts.store.getInstance('vast:1')!, T0 + 90_000).nextAction?.kind).toBe('pause');
    ts.store.setHold('vast:1', T0 + 3_600_000, 'debugging', T0 + 90_000);
    opt.cycle.last.forget('vast:1');
    release();
    const report = await cycle;
    expect(report.actions.map((a) => [a.kind, a.status])).toEqual([['pause', 'skipped']]);
    expect(view.instance(ts.store.getInstance('vast:1')!, T0 + 91_000)).toMatchObject({ protected: true, decidedAt: T0 + 91_000 });
  });
});
