// The JSON shape of an instance in /api/status (docs/api.md's fields, exactly) and its detail view.
import { knownUtil, type SampleSummary } from '../domain/sample';
import type { HoldRecord, InstanceRecord } from '../store/types';
import type { InstanceView } from './decision-view';
import type { Attribution } from '../engine/attribution';

export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export function lastSampleJson(s: SampleSummary | null) {
  if (s === null) return null;
  // util stays the busiest GPU's SM utilization; the other engines (busiest GPU each) and the temperature come beside it.
  return {
    t: iso(s.t1),
    util: knownUtil(s),
    memUsed: s.memUsedMiB,
    memTotal: s.memTotalMiB,
    tempC: s.tempC ?? null,
    ...(s.engines === undefined ? {} : { engines: s.engines }),
    // Work the GPU cannot see (agents of protocol 2 on): the host's figures (null: unreadable) and an inhibition in force.
    ...(s.host === undefined ? {} : { host: s.host }),
    ...(s.inhibit === undefined || s.inhibit.until <= s.t1
      ? {}
      : { inhibit: { why: s.inhibit.why, pid: s.inhibit.pid, since: iso(s.inhibit.since), count: s.inhibit.count } }),
  };
}

export function statusInstanceJson(
  i: InstanceRecord,
  last: SampleSummary | null,
  view: InstanceView,
  now: number,
  staleAfterMs: number,
  who: Attribution | null = null,
) {
  // A source that has not delivered for a while is no source: the status must not suggest live data.
  const fresh = i.lastSampleAt !== null && now - i.lastSampleAt <= staleAfterMs;
  return {
    id: i.id,
    provider: i.provider,
    name: i.name,
    state: i.state,
    gpuName: i.gpuName,
    numGpus: i.numGpus,
    pricePerHour: i.pricePerHour,
    metricSource: fresh ? i.metricSource : 'none',
    lastSample: lastSampleJson(last),
    idleSince: iso(view.idleSince),
    protected: view.protected,
    nextAction: view.nextAction === null ? null : { kind: view.nextAction.kind, at: iso(view.nextAction.at), reason: view.nextAction.reason },
    // docs/owners.md: null when unknown.
    owner: who?.owner ?? null,
    team: who?.team ?? null,
    // When the engine decided what is shown (the last cycle, or now for an instance it has not decided yet).
    ...(view.decidedAt === undefined ? {} : { decidedAt: iso(view.decidedAt) }),
  };
}

export function instanceDetailJson(
  i: InstanceRecord,
  base: ReturnType<typeof statusInstanceJson>,
  extra: { agentConnected: boolean; hold: HoldRecord | null; view: InstanceView; who?: Attribution | null },
) {
  return {
    ...base,
    providerId: i.providerId,
    rawState: i.rawState,
    stoppedPricePerHour: i.stoppedPricePerHour,
    createdAt: iso(i.createdAt),
    firstSeen: iso(i.firstSeen),
    lastInventoryAt: iso(i.lastInventoryAt),
    // The engine's figure (narrowed by a pause the inventory never saw), when the view has one.
    runningSince: iso(extra.view.runningSince ?? i.runningSince),
    lastSampleAt: iso(i.lastSampleAt),
    ssh: i.ssh,
    labels: i.labels,
    providerUtil: i.providerUtil,
    agentConnected: extra.agentConnected,
    ownerFrom: extra.who?.ownerFrom ?? null,
    teamFrom: extra.who?.teamFrom ?? null,
    agent: i.agentFacts,
    hold: extra.hold === null ? null : { until: iso(extra.hold.until), reason: extra.hold.reason, createdAt: iso(extra.hold.createdAt) },
  };
}
