// The decide step alone: decideFleet decides exactly the records given from the store's holds and the idle clocks,
// keeps each decision's inputs, honours what a provider cannot do, and decideFrom (explain) and decideInstance alone
// (the views) agree with it.
import { describe, expect, it } from 'vitest';
import { MemoryProvider, memoryInstance } from '../../../../test/fakes/memory-provider';
import { gpuStats } from '../../../../test/helpers/gpu-stats';
import { useTempStore } from '../../../../test/helpers/temp-store';
import { memoryLogger } from '../../../../test/support/memory-logger';
import { parseConfig } from '../../config/config';
import type { ProviderName } from '../../domain/instance';
import type { Provider, ProviderCapabilities } from '../../providers/provider';
import { IdleTracker } from '../idle-tracker';
import { type Decided, decideFrom, decideInstance } from '../decide-instance';
import { decideFleet } from './decide';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const NOW = T0 + 90_000;
const ts = useTempStore();

class NoPauseProvider extends MemoryProvider {
  override readonly capabilities: ProviderCapabilities = { ...new MemoryProvider().capabilities, canPause: false };
}

/** Two Vast instances seen running at T0, then idle agent samples (2 %) every 10 s until NOW. */
function setup(vast: Provider = new MemoryProvider()) {
  const { logger } = memoryLogger();
  const config = parseConfig({ DATA_DIR: ts.dir, PAUSE_WINDOW_MINUTES: '1', MIN_SAMPLES: '3', MAX_GAP_SECONDS: '30', PAUSE_WARNING_MINUTES: '0' });
  const idle = new IdleTracker(ts.store, config, logger);
  ts.store.upsertInventory('vast', [memoryInstance('1'), memoryInstance('2')], T0);
  for (const r of ts.store.listInstances()) idle.observeInventory(r, T0);
  for (const id of ['vast:1', 'vast:2']) {
    const inputs = [];
    for (let t = T0; t + 10_000 <= NOW; t += 10_000) {
      inputs.push({ instanceId: id, source: 'agent' as const, t0: t, t1: t + 10_000, gpus: [gpuStats(0, 2)], procs: 0, health: { state: 'ok' as const } });
    }
    ts.store.insertSamples(inputs, NOW);
  }
  const providers = new Map<ProviderName, Provider>([['vast', vast]]);
  const d = { config, store: ts.store, idle, providers };
  const records = (...ids: string[]) => ts.store.listInstances().filter((r) => ids.includes(r.id));
  return { d, records };
}

describe('decideFleet', () => {
  it('decides only the records given, with each one inputs; a hold in the store reaches the engine', () => {
    const { d, records } = setup();
    ts.store.setHold('vast:2', NOW + 3_600_000, 'demo', NOW);
    const one = decideFleet(d, records('vast:1'), NOW);
    expect(one.decisions.map((x) => [x.instanceId, x.kind, x.code])).toEqual([['vast:1', 'pause', 'pause-idle']]);
    expect([...one.inputs.keys()]).toEqual(['vast:1']);
    expect(one.inputs.get('vast:1')!.idle).toBe(d.idle.get('vast:1'));

    const both = decideFleet(d, records('vast:1', 'vast:2'), NOW);
    expect(both.decisions.map((x) => [x.instanceId, x.kind, x.code])).toEqual([
      ['vast:1', 'pause', 'pause-idle'],
      ['vast:2', 'none', 'hold'],
    ]);
    expect(both.inputs.get('vast:2')!.instance.holdUntil).toBe(NOW + 3_600_000);
    expect(both.inputs.get('vast:1')!.instance.holdUntil).toBeNull();
  });

  it('never plans a pause on a provider that cannot pause', () => {
    const { d, records } = setup(new NoPauseProvider());
    const fleet = decideFleet(d, records('vast:1'), NOW);
    expect(fleet.decisions.map((x) => [x.kind, x.code])).toEqual([['none', 'cannot-pause']]);
  });

  it('decideFrom with checks gives the same decision as decideFleet, plus every rule line', () => {
    const { d, records } = setup();
    ts.store.setHold('vast:2', NOW + 3_600_000, 'demo', NOW);
    const fleet = decideFleet(d, records('vast:1', 'vast:2'), NOW);
    for (const dec of fleet.decisions) {
      const again = decideFrom(d, fleet.inputs.get(dec.instanceId)!, NOW, true);
      expect([again.kind, again.code, again.reason]).toEqual([dec.kind, dec.code, dec.reason]);
      expect(again.checks!.pause.length).toBeGreaterThan(0);
      expect(dec.checks).toBeUndefined();
    }
  });

  it('decideInstance alone (what the views call) gives the decision and inputs the fleet gave', () => {
    const { d, records } = setup();
    ts.store.setHold('vast:2', NOW + 3_600_000, 'demo', NOW);
    const fleet = decideFleet(d, records('vast:1', 'vast:2'), NOW);
    // The fleet's decision to do nothing is deferred (engine/deferred-decision.ts): compared by what it says.
    const said = ({ decision: d, ...rest }: Decided) => ({ ...rest, decision: [d.instanceId, d.kind, d.code, d.reason, d.figures, d.checks] });
    for (const rec of records('vast:1', 'vast:2')) expect(said(decideInstance(d, rec, NOW))).toEqual(said(fleet.inputs.get(rec.id)!));
  });

  it('given the last fleet, keeps each unchanged instance and decides afresh from it; a new hold makes a new one', () => {
    const { d, records } = setup();
    const first = decideFleet(d, records('vast:1', 'vast:2'), NOW);
    ts.store.setHold('vast:2', NOW + 3_600_000, 'demo', NOW + 10_000);
    const next = decideFleet(d, records('vast:1', 'vast:2'), NOW + 10_000, first);
    expect(next.inputs.get('vast:1')!.instance).toBe(first.inputs.get('vast:1')!.instance);
    expect(next.inputs.get('vast:2')!.instance).not.toBe(first.inputs.get('vast:2')!.instance);
    expect(next.decisions.map((x) => [x.instanceId, x.code])).toEqual([
      ['vast:1', 'pause-idle'],
      ['vast:2', 'hold'],
    ]);
    // The same decisions as without the last fleet, to the figure.
    expect(next.decisions).toEqual(decideFleet(d, records('vast:1', 'vast:2'), NOW + 10_000).decisions);
  });
});
