// Fault injection in the fleet simulator: the controller killed (-9) between "request sent" and "audit updated", provider
// APIs failing (429, 500, timeouts) or acting while their answers are lost, agents' networks down longer than the pause
// window, host clocks stepping. For each: no wrong pause, no wrong delete, no duplicated action, no acknowledged sample
// lost, and a recovery. Short by default (9 instances, 2.5 simulated hours each); SOAK=1 runs the long form (27
// instances, 30 hours, faults repeated at night, by day, in the evening and around the 24 h delete).
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../sim/harness';
import { FAULT_HOSTS, faultRun, type FaultRunName, vastProviderFallbackRun } from '../sim/scenarios';
import type { SimReport } from '../sim/sim-report';

const form = process.env['SOAK'] === '1' ? 'long' : 'short';
const TIMEOUT = form === 'long' ? 1_800_000 : 300_000;

async function run(name: FaultRunName): Promise<SimReport> {
  const r = await runSimulation(faultRun(name, { form, seed: 11 }));
  const detail = JSON.stringify({ faults: r.faults, wrong: r.wrongActions, errors: r.errorSample.slice(0, 3) });
  expect(r.totals.wrongPauses, detail).toBe(0);
  expect(r.totals.wrongDeletes, detail).toBe(0);
  expect(r.integrity.actionsDuplicated, detail).toBe(0);
  expect(r.integrity.samplesLost, detail).toBe(0);
  for (const f of r.faults) {
    expect([f.samplesLost, f.actionsDuplicated, f.wrongActions], f.what).toEqual([0, 0, 0]);
    expect(f.recoverySec, `${f.what}: ${f.notes.join('; ')}`).not.toBeNull();
  }
  return r;
}

describe(`fault injection (${form} form)`, () => {
  it(
    'controller killed right after a pause reached the provider: restarted on the same database, nothing done twice',
    async () => {
      const r = await run('controller-kill');
      const kill = r.faults[0]!;
      // The interrupted row is settled from the provider's word after the restart, not left 'planned'.
      expect(kill.notes.join(' ')).toMatch(/interrupted: pause of \S+ at [\d.]+ h; its audit row ends 'succeeded'/);
      expect(r.integrity.auditLeftPlanned).toEqual([]);
      // The agents replayed what the dead controller had committed but not acknowledged; the store took each once.
      expect(r.integrity.batchesDuplicate).toBeGreaterThan(0);
      expect(r.integrity.batchesStored + r.integrity.lostWithAgent + r.integrity.batchesPendingAtEnd).toBe(r.integrity.batchesProduced);
      // Every pause went to a running instance: what the dead process paused, the restarted one did not pause again.
      const pauses = r.actionCalls.filter((c) => c.op === 'pause');
      expect(pauses.length).toBeGreaterThan(0);
      expect(pauses.filter((c) => c.before !== 'running')).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'controller killed right after a delete reached the provider: the instance is gone once, never deleted twice',
    async () => {
      const r = await run('controller-kill-delete');
      expect(r.faults[0]!.notes.join(' ')).toMatch(/interrupted: delete of \S+ at [\d.]+ h; its audit row ends 'succeeded'/);
      expect(r.integrity.auditLeftPlanned).toEqual([]);
      const deletes = r.actionCalls.filter((c) => c.op === 'delete');
      expect(deletes.length).toBeGreaterThan(0);
      expect(new Set(deletes.map((c) => c.instanceId)).size).toBe(deletes.length);
      expect(deletes.every((c) => c.before === 'stopped' || c.before === 'running')).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'provider APIs answering 429 (plain text), 500 and nothing for a stretch: their instances wait, then are acted on',
    async () => {
      const r = await run('provider-errors');
      for (const f of r.faults) expect(f.notes.join(' '), f.what).toMatch(/[1-9]\d* cycles without/);
      expect(r.integrity.inventoryFailedCycles).toBeGreaterThan(0);
      // The pauses that were due during the outage came once the APIs answered again.
      expect(r.totals.pauses).toBeGreaterThan(0);
    },
    TIMEOUT,
  );

  it(
    'pause and delete requests that take effect while their answers are lost (500, reset): verified by re-reading, never resent',
    async () => {
      const r = await run('mutation-outcome-unknown');
      const met = r.faults.filter((f) => /[1-9]\d* \S+ pause\/delete calls during the fault/.test(f.notes.join(' ')));
      expect(met.length, JSON.stringify(r.faults.map((f) => f.notes))).toBeGreaterThanOrEqual(3); // every provider met the fault
      expect(r.integrity.audit['pause/failed'] ?? 0).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'agent networks down for 45 min (longer than the pause window), then the buffer replayed: no pause on missing data',
    async () => {
      const r = await run('agent-offline');
      const H = FAULT_HOSTS[form];
      const pausesOf = (key: string) => r.perInstance.find((p) => p.key === key)!.score.pauses;
      expect(pausesOf(H.training)).toBe(0);
      expect(pausesOf(H.dataloader)).toBe(0);
      // The idle host whose agent was cut off is paused only after its data came back (replayed in order).
      const idle = r.perInstance.find((p) => p.key === H.forgotten)!;
      const down = r.faults.find((f) => f.what.includes(H.forgotten))!;
      expect(idle.events[0]!.kind).toBe('pause');
      expect(idle.events[0]!.t).toBeGreaterThanOrEqual(0.25 * 3600 + 45 * 60);
      expect(down.recoverySec).toBeLessThanOrEqual(60);
      expect(r.integrity.batchesStored + r.integrity.lostWithAgent + r.integrity.batchesPendingAtEnd).toBe(r.integrity.batchesProduced);
    },
    TIMEOUT,
  );

  it(
    "host clocks stepping +2 h and -30 min: the agents' monotonic clock keeps every batch on time, never a wrong action",
    async () => {
      const r = await run('clock-step');
      const H = FAULT_HOSTS[form];
      expect(r.perInstance.find((p) => p.key === H.training)!.score.pauses).toBe(0);
      expect(r.perInstance.find((p) => p.key === H.dataloader)!.score.pauses).toBe(0);
      // Before agent/src/clock.ts, the batch straddling a backward step was refused and the next came 30 min late.
      expect(r.integrity.batchesRejected).toBe(0);
      const idle = r.perInstance.find((p) => p.key === H.forgotten)!;
      // The forgotten host whose clock stepped back at 15 min is paused when its 30 min window is full, not 30 min late.
      expect(idle.events[0]!.kind).toBe('pause');
      expect(idle.events[0]!.t).toBeLessThanOrEqual(30 * 60 + 120);
      for (const f of r.faults) expect(f.recoverySec, f.what).toBeLessThanOrEqual(60);
      expect(r.integrity.batchesStored + r.integrity.lostWithAgent + r.integrity.batchesPendingAtEnd).toBe(r.integrity.batchesProduced);
    },
    TIMEOUT,
  );

  // Found by this simulation: Vast's gpu_util, a snapshot per cycle, misses an inference server's bursts. Since then
  // the provider's figure alone pauses nothing unless PROVIDER_METRIC_PAUSE=true.
  it(
    "an inference server on Vast whose agent is cut off is not paused on Vast's gpu_util snapshots",
    async () => {
      const r = await runSimulation(vastProviderFallbackRun(4, 11));
      expect(r.totals.wrongPauses, JSON.stringify(r.wrongActions)).toBe(0);
    },
    TIMEOUT,
  );
});
