// The simulator's report: per-instance scores summed per trace and per provider, integrity counters, fault outcomes,
// and the plain-text / Markdown tables bench/simulate.ts prints and writes.
import type { InstanceScore, SimEvent } from './score';
import type { FaultOutcome } from './faults';

export interface Totals {
  instances: number;
  costWithoutUsd: number;
  costWithUsd: number;
  savedUsd: number;
  savedPct: number;
  wrongPauses: number;
  wrongDeletes: number;
  missedIdleHours: number;
  pauses: number;
  deletes: number;
  pausesSoonAfterBusy: number;
}

export interface InstanceResult {
  key: string;
  id: string;
  provider: string;
  gpu: string;
  trace: string;
  expected: string;
  pricePerHour: number;
  stoppedPricePerHour: number;
  score: InstanceScore;
  events: SimEvent[];
  /** Notifications about this instance (pause warnings and their calling-off, pauses, deletes, failures). */
  messages?: number;
}

export interface Integrity {
  /** Batches the simulated agents built. */
  batchesProduced: number;
  /** Batches the controller stored (acknowledged as new). */
  batchesStored: number;
  /** Replays of batches already stored (acknowledged, nothing written). */
  batchesDuplicate: number;
  /** Distinct batches the controller refused at least once (schema, interval after sentAt, ...), by reason. */
  batchesRejected: number;
  /** Batches still waiting in live agents' buffers when the run ended (sent at the next cycle). */
  batchesPendingAtEnd: number;
  rejectReasons: Record<string, number>;
  /** Acknowledged batches missing from the database at the end. */
  samplesLost: number;
  /** Unacknowledged batches that died with their agent (instance paused or deleted while offline, agent crash). */
  lostWithAgent: number;
  /** Batches dropped by a full agent buffer. */
  droppedByAgentBuffer: number;
  /** Provider.pause / Provider.delete calls by the executor. */
  pauseCalls: number;
  deleteCalls: number;
  /** Pause requests that reached a provider for an instance already stopped (or gone), delete requests for one already gone. */
  actionsDuplicated: number;
  /** Executor calls for an instance already in the target state (the same check one level up). */
  executorDuplicates: number;
  /** Pause/delete requests the provider fakes received (client retries after a lost answer included). */
  wireRequests: { pause: number; delete: number };
  /** Audit rows by kind and status at the end, e.g. {"pause/succeeded": 40}. */
  audit: Record<string, number>;
  /** Audit rows still `planned` at the end (a crash between "request sent" and "audit updated" leaves them). */
  auditLeftPlanned: string[];
  /** Cycles in which at least one provider's inventory failed. */
  inventoryFailedCycles: number;
  notifications: number;
  errorLines: number;
}

export interface SimReport {
  name: string;
  seed: number;
  days: number;
  instances: number;
  cycles: number;
  wallMs: number;
  /** CPU time spent building and converting batches, storing them, and in CostOptimizer.runOnce(); CPU time of the whole run. */
  timing: { agentsMs: number; ingestMs: number; cycleMs: number; cpuMs: number; peakRssMb: number };
  settings: Record<string, string | number>;
  totals: Totals;
  byTrace: Record<string, Totals & { expected: string }>;
  byProvider: Record<string, Totals>;
  integrity: Integrity;
  faults: FaultOutcome[];
  perInstance: InstanceResult[];
  /** Each wrong pause/delete with the audit row (reason and decision figures) that led to it. */
  wrongActions: {
    instanceId: string;
    key: string;
    trace: string;
    kind: string;
    atSec: number;
    at: string;
    truth: string;
    audit: { status: string; reason: string; figures: Record<string, unknown> } | null;
  }[];
  /** Every pause/delete call the optimizer made: trace second, op, instance, its state at the provider just before. */
  actionCalls: { t: number; op: string; instanceId: string; before: string; duplicate: boolean }[];
  /** The first error lines the controller logged (for diagnosis). */
  errorSample: string[];
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export function sumScores(scores: readonly InstanceScore[]): Totals {
  const t = {
    instances: scores.length,
    costWithoutUsd: 0,
    costWithUsd: 0,
    savedUsd: 0,
    savedPct: 0,
    wrongPauses: 0,
    wrongDeletes: 0,
    missedIdleHours: 0,
    pauses: 0,
    deletes: 0,
    pausesSoonAfterBusy: 0,
  };
  for (const s of scores) {
    t.costWithoutUsd += s.costWithoutUsd;
    t.costWithUsd += s.costWithUsd;
    t.wrongPauses += s.wrongPauses;
    t.wrongDeletes += s.wrongDeletes;
    t.missedIdleHours += s.missedIdleHours;
    t.pauses += s.pauses;
    t.deletes += s.deletes;
    t.pausesSoonAfterBusy += s.pausesSoonAfterBusy;
  }
  t.savedUsd = t.costWithoutUsd - t.costWithUsd;
  t.savedPct = t.costWithoutUsd > 0 ? (100 * t.savedUsd) / t.costWithoutUsd : 0;
  return {
    ...t,
    costWithoutUsd: round(t.costWithoutUsd),
    costWithUsd: round(t.costWithUsd),
    savedUsd: round(t.savedUsd),
    savedPct: round(t.savedPct, 1),
    missedIdleHours: round(t.missedIdleHours),
  };
}

export function groupTotals(results: readonly InstanceResult[], by: (r: InstanceResult) => string): Record<string, Totals> {
  const groups = new Map<string, InstanceScore[]>();
  for (const r of results) {
    const k = by(r);
    const g = groups.get(k);
    if (g) g.push(r.score);
    else groups.set(k, [r.score]);
  }
  return Object.fromEntries([...groups].map(([k, v]) => [k, sumScores(v)]));
}

const usd = (x: number) => `$${x.toFixed(2)}`;

/** One table row per trace and a total, as Markdown (also readable as plain text). */
export function markdownTable(r: SimReport): string {
  const head = '| workload | instances | $ without | $ with | $ saved | saved % | wrong pauses | wrong deletes | missed idle h | pauses | deletes |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const row = (name: string, t: Totals) =>
    `| ${name} | ${t.instances} | ${usd(t.costWithoutUsd)} | ${usd(t.costWithUsd)} | ${usd(t.savedUsd)} | ${t.savedPct.toFixed(1)} % | ${t.wrongPauses} | ${t.wrongDeletes} | ${t.missedIdleHours.toFixed(1)} | ${t.pauses} | ${t.deletes} |`;
  const rows = Object.entries(r.byTrace).map(([k, t]) => row(k, t));
  return [head, sep, ...rows, row('**total**', r.totals)].join('\n');
}

export function integrityLine(i: Integrity): string {
  return (
    `batches: ${i.batchesProduced} built, ${i.batchesStored} stored, ${i.batchesDuplicate} replays deduplicated, ${i.batchesRejected} refused at least once, ` +
    `${i.lostWithAgent} died with their agent, ${i.batchesPendingAtEnd} pending at the end; ` +
    `samples lost: ${i.samplesLost}; actions: ${i.pauseCalls} pause + ${i.deleteCalls} delete calls (${i.wireRequests.pause} + ${i.wireRequests.delete} requests at the providers), ${i.actionsDuplicated} duplicated`
  );
}

export function faultTable(faults: readonly FaultOutcome[]): string {
  if (faults.length === 0) return '';
  const head = '| fault | samples lost | actions duplicated | wrong actions | time to recover | notes |';
  const sep = '|---|---:|---:|---:|---:|---|';
  const rows = faults.map(
    (f) =>
      `| ${f.what} | ${f.samplesLost} | ${f.actionsDuplicated} | ${f.wrongActions} | ${f.recoverySec === null ? 'not recovered' : `${f.recoverySec} s`} | ${f.notes.join('; ')} |`,
  );
  return [head, sep, ...rows].join('\n');
}
