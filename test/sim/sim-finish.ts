// Assembles a SimReport at the end of a run: totals per trace and provider, and each fault's outcome.
import type { Config } from '../../controller/src/config/config';
import type { ActionRecord } from '../../controller/src/store';
import { isWrongPause } from './score';
import { faultLabel, type FaultOutcome, type FaultState } from './faults';
import type { LiveInstance, SimOptions } from './harness';
import type { ActionCall } from './probe-provider';
import { groupTotals, type InstanceResult, type Integrity, type SimReport, sumScores } from './sim-report';

export interface FinishInput {
  o: SimOptions;
  durationSec: number;
  cycles: number;
  wallMs: number;
  timing: SimReport['timing'];
  config: Config;
  perInstance: InstanceResult[];
  live: LiveInstance[];
  states: FaultState[];
  calls: ActionCall[];
  epochMs: number;
  idOf: (provider: string, providerId: string) => string;
  integrity: Integrity;
  errorSample: string[];
  auditByInstance: Map<string, ActionRecord[]>;
}

export function finishReport(x: FinishInput): SimReport {
  const { perInstance, integrity } = x;
  const totals = sumScores(perInstance.map((r) => r.score));
  const byTrace: SimReport['byTrace'] = {};
  for (const [k, t] of Object.entries(groupTotals(perInstance, (r) => r.trace)))
    byTrace[k] = { ...t, expected: perInstance.find((r) => r.trace === k)!.expected };
  const wrongOf = (key: string | undefined) => {
    const rs = key === undefined ? perInstance : perInstance.filter((r) => r.key === key);
    return rs.reduce((n, r) => n + r.score.wrongPauses + r.score.wrongDeletes, 0);
  };
  const faults: FaultOutcome[] = x.states.map((st) => {
    const f = st.spec;
    const notes = [...st.notes];
    if (f.kind === 'controller-kill') {
      if (!st.started) notes.push('never armed (run too short)');
      else if (!st.interrupted) notes.push(`no ${f.op ?? 'pause'} happened after the switch was armed: nothing was interrupted`);
      else {
        const it = st.interrupted;
        const row = (x.auditByInstance.get(it.instanceId) ?? [])
          .filter((a) => a.kind === it.op && a.createdAt <= x.epochMs + it.at * 1000)
          .sort((a, b) => b.createdAt - a.createdAt)[0];
        notes.push(`interrupted: ${it.op} of ${it.instanceId} at ${(it.at / 3600).toFixed(2)} h; its audit row ends ${row ? `'${row.status}'` : 'missing'}`);
      }
      notes.push(`${integrity.batchesDuplicate} replayed batches deduplicated`);
      if (integrity.auditLeftPlanned.length > 0) notes.push(`audit rows left 'planned': ${integrity.auditLeftPlanned.join(', ')}`);
    }
    if (f.kind === 'provider-errors') {
      const inWindow = x.calls.filter((k) => k.provider === f.provider && k.at >= x.epochMs + f.fromSec * 1000 && k.at < x.epochMs + f.toSec * 1000);
      notes.push(`${st.failedCycles ?? 0} cycles without ${f.provider} inventory`);
      notes.push(`${inWindow.length} ${f.provider} pause/delete calls during the fault`);
    }
    if ((f.kind === 'clock-step' || f.kind === 'agent-offline') && (st.rejected ?? 0) > 0)
      notes.push(`${st.rejected} batches of the host refused at least once (the agent kept them and sent them again)`);
    const host = 'instanceKey' in f && f.kind !== 'controller-kill' ? f.instanceKey : undefined;
    if (host) {
      const r = perInstance.find((p) => p.key === host);
      if (r) {
        notes.push(`${host} plays ${r.trace}: ${r.score.pauses} pauses, ${r.score.deletes} deletes`);
        const start = f.kind === 'agent-offline' ? f.fromSec : f.kind === 'clock-step' ? f.atSec : 0;
        const stopped = r.events.find((e) => e.kind !== 'resume' && e.t >= start);
        if (st.recoveredAt === null && stopped)
          notes.push(`its instance was ${stopped.kind === 'pause' ? 'paused' : 'deleted'} at ${(stopped.t / 3600).toFixed(2)} h before its data resumed`);
      }
    }
    const recoverySec = st.recoveredAt !== null && st.endedAt !== null ? Math.max(0, st.recoveredAt - st.endedAt) : null;
    return {
      kind: f.kind,
      what: faultLabel(f),
      samplesLost: integrity.samplesLost,
      actionsDuplicated: integrity.actionsDuplicated,
      wrongActions: wrongOf(host),
      recoverySec,
      notes,
    };
  });
  const c = x.config;
  const scoreParams = {
    pricePerHour: 0,
    stoppedPricePerHour: 0,
    pauseWindowSec: c.pauseWindowMinutes * 60,
    deleteThresholdSec: c.deleteThresholdHours * 3600,
    graceSec: 0,
    durationSec: x.durationSec,
    thresholdPct: c.pauseThresholdGpu,
  };
  // Every wrong action with the audit row behind it: what the engine saw and why it acted.
  const wrongActions: SimReport['wrongActions'] = [];
  for (const r of perInstance) {
    if (r.score.wrongPauses + r.score.wrongDeletes === 0) continue;
    const trace = x.live.find((l) => l.inst.key === r.key)!.inst.trace;
    const rows = x.auditByInstance.get(r.id) ?? [];
    for (const e of r.events) {
      if (e.kind === 'resume') continue;
      if (e.kind === 'pause' && !isWrongPause(trace, e.t, scoreParams)) continue;
      const at = x.epochMs + e.t * 1000;
      const row = rows.filter((a) => a.kind === e.kind && a.createdAt <= at).sort((a, b) => b.createdAt - a.createdAt)[0];
      const p = trace.at(Math.min(e.t, trace.durationSec - 1));
      wrongActions.push({
        instanceId: r.id,
        key: r.key,
        trace: r.trace,
        kind: e.kind,
        atSec: e.t,
        at: new Date(at).toISOString(),
        truth: `trace busy=${p.busy} util=${p.util} agentUp=${p.agentUp} at that second`,
        audit: row ? { status: row.status, reason: row.reason, figures: row.figures } : null,
      });
    }
  }
  return {
    name: x.o.name,
    seed: x.o.seed,
    days: x.o.days,
    instances: perInstance.length,
    cycles: x.cycles,
    wallMs: x.wallMs,
    timing: {
      agentsMs: Math.round(x.timing.agentsMs),
      ingestMs: Math.round(x.timing.ingestMs),
      cycleMs: Math.round(x.timing.cycleMs),
      cpuMs: Math.round(x.timing.cpuMs),
      peakRssMb: x.timing.peakRssMb,
    },
    settings: {
      PAUSE_WINDOW_MINUTES: c.pauseWindowMinutes,
      MIN_SAMPLES: c.minSamples,
      MAX_GAP_SECONDS: c.maxGapSeconds,
      PAUSE_THRESHOLD_GPU: c.pauseThresholdGpu,
      DELETE_THRESHOLD_HOURS: c.deleteThresholdHours,
      DELETE_WARNING_HOURS: c.deleteWarningHours,
      MIN_INSTANCE_AGE_HOURS: c.minInstanceAgeHours,
      CHECK_INTERVAL: c.checkIntervalSec,
      REPORT_INTERVAL_SECONDS: 60,
    },
    totals,
    byTrace,
    byProvider: groupTotals(perInstance, (r) => r.provider),
    integrity,
    faults,
    perInstance,
    wrongActions,
    // Sorted: calls made concurrently in one cycle reach the probe in whatever order their re-checks came back.
    actionCalls: x.calls
      .map((k) => ({
        t: Math.round((k.at - x.epochMs) / 1000),
        op: k.op,
        instanceId: x.idOf(k.provider, k.providerId),
        before: k.before,
        duplicate: k.duplicate,
      }))
      .sort((a, b) => a.t - b.t || a.instanceId.localeCompare(b.instanceId) || a.op.localeCompare(b.op)),
    errorSample: x.errorSample,
  };
}
