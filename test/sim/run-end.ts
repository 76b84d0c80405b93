// The end of a simulation run: read the audit log and the prices the controller saw from its database, check that no
// acknowledged sample is missing and no action reached a provider twice, and score every instance against its trace.
import type { Config } from '../../controller/src/config/config';
import type { Store } from '../../controller/src/store';
import type { FaultState } from './faults';
import { type Fleet, TENSORDOCK_STOPPED_PRICE_ASSUMED } from './fleet';
import type { LiveInstance, SimOptions } from './harness';
import { countLost, type IngestTap, storedSampleCheck } from './ingest-tap';
import type { ActionCall } from './probe-provider';
import { scoreInstance } from './score';
import { finishReport } from './sim-finish';
import type { InstanceResult, SimReport } from './sim-report';

export interface RunEnd {
  o: SimOptions;
  store: Store;
  durationSec: number;
  cycles: number;
  config: Config;
  live: LiveInstance[];
  states: FaultState[];
  calls: ActionCall[];
  fleet: Fleet;
  tap: IngestTap;
  epochMs: number;
  counters: { inventoryFailedCycles: number; notifications: number; errorLines: number; messagesByInstance?: ReadonlyMap<string, number> };
  errorSample: string[];
  wallMs: number;
  timing: SimReport['timing'];
}

export function finishRun(x: RunEnd): SimReport {
  const { store, config, live, calls, fleet, tap, epochMs } = x;
  // Acknowledged samples must all be in the database (those older than the raw retention were rolled up).
  const samplesLost = countLost(store, tap.acked, epochMs + x.durationSec * 1000 - (config.retentionRawHours - 1) * 3_600_000);
  const isStored = storedSampleCheck(store);
  const lostWithAgent = live.reduce((n, l) => n + l.agent.unackedAtStop.filter((k) => !isStored(l.inst.id, k)).length, 0);
  const audit: Record<string, number> = {};
  const leftPlanned: string[] = [];
  for (const a of store.listActions({ limit: 1_000_000 })) {
    audit[`${a.kind}/${a.status}`] = (audit[`${a.kind}/${a.status}`] ?? 0) + 1;
    if (a.status === 'planned') leftPlanned.push(`${a.kind} ${a.instanceId} (planned at ${((a.createdAt - epochMs) / 3_600_000).toFixed(2)} h)`);
  }
  const records = new Map(store.listInstances().map((r) => [r.id, r]));
  const auditByInstance = new Map(live.map((l) => [l.inst.id, store.listActions({ instanceId: l.inst.id, limit: 10_000 })]));

  // Prices as the controller saw them from the provider, so the score charges what the savings report would.
  const perInstance: InstanceResult[] = live.map((l) => {
    const rec = records.get(l.inst.id);
    const price = rec?.pricePerHour ?? l.inst.model.price ?? 0;
    const stoppedPrice = rec?.stoppedPricePerHour ?? (l.inst.provider === 'tensordock' ? TENSORDOCK_STOPPED_PRICE_ASSUMED : 0);
    const score = scoreInstance(l.inst.trace, l.events, {
      pricePerHour: price,
      stoppedPricePerHour: stoppedPrice,
      pauseWindowSec: config.pauseWindowMinutes * 60,
      deleteThresholdSec: config.deleteThresholdHours * 3600,
      graceSec: config.pauseWindowMinutes * 60 + 2 * config.checkIntervalSec,
      durationSec: x.durationSec,
      thresholdPct: config.pauseThresholdGpu,
    });
    return {
      key: l.inst.key,
      id: l.inst.id,
      provider: l.inst.provider,
      gpu: rec?.gpuName ?? l.inst.model.gpu,
      trace: l.inst.trace.name,
      expected: l.inst.trace.expected,
      pricePerHour: price,
      stoppedPricePerHour: stoppedPrice,
      score,
      events: l.events,
      messages: x.counters.messagesByInstance?.get(l.inst.id) ?? 0,
    };
  });

  const dupOnWire = fleet.wire.filter((w) => (w.op === 'pause' ? w.before === 'stopped' || w.before === 'gone' : w.before === 'gone'));
  const byPid = new Map(fleet.instances.map((i) => [`${i.provider}|${i.providerId}`, i.id]));
  return finishReport({
    o: x.o,
    durationSec: x.durationSec,
    cycles: x.cycles,
    wallMs: x.wallMs,
    timing: x.timing,
    config,
    perInstance,
    live,
    states: x.states,
    calls,
    epochMs,
    idOf: (provider, pid) => byPid.get(`${provider}|${pid}`) ?? `${provider}:${pid}`,
    integrity: {
      batchesProduced: live.reduce((n, l) => n + l.agent.produced, 0),
      batchesStored: tap.stored,
      batchesDuplicate: tap.duplicates,
      batchesRejected: tap.rejected,
      batchesPendingAtEnd: live.reduce((n, l) => n + l.agent.pending, 0),
      rejectReasons: tap.rejectReasons,
      samplesLost,
      lostWithAgent,
      droppedByAgentBuffer: live.reduce((n, l) => n + l.agent.droppedTotal, 0),
      pauseCalls: calls.filter((c) => c.op === 'pause').length,
      deleteCalls: calls.filter((c) => c.op === 'delete').length,
      actionsDuplicated: dupOnWire.length,
      executorDuplicates: calls.filter((c) => c.duplicate).length,
      wireRequests: { pause: fleet.wire.filter((w) => w.op === 'pause').length, delete: fleet.wire.filter((w) => w.op === 'delete').length },
      audit,
      auditLeftPlanned: leftPlanned,
      inventoryFailedCycles: x.counters.inventoryFailedCycles,
      notifications: x.counters.notifications,
      errorLines: x.counters.errorLines,
    },
    errorSample: x.errorSample,
    auditByInstance,
  });
}
