// The fleet simulator: N instances on the three provider fakes, each playing a trace through the real ingest path into
// the real store, engine and executor, one CHECK_INTERVAL cycle per simulated minute in virtual time; scored against
// each trace's ground truth, with optional fault injection. Deterministic for a seed.
//
//   const report = await runSimulation({ name: 'fleet', instances: fleetLayout({...}), days: 7, seed: 1 });
//
// Each cycle at virtual second s: faults start/stop; users resume what their trace says they come back to; every live
// agent closes its intervals up to s and sends what it has not had acknowledged (the ingest's frame parser and skew
// correction, one transaction: ingest-tap.ts); Vast's own gpu_util snapshot is updated; CostOptimizer.runOnce() runs
// with now = s; then the fakes' ground truth says what was paused or deleted (the agents of stopped instances stop).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../controller/src/config/config';
import { act } from '../../controller/src/executor/act-and-verify';
import { createLogger, type LogLevel } from '../../controller/src/log';
import type { NoticeAbout, Notifier } from '../../controller/src/notify/webhook-notifier';
import type { CycleReport } from '../../controller/src/compose/cost-optimizer';
import { openStore } from '../../controller/src/store';
import { agentOnline, applyProviderFaults, clockOffsetFor, type FaultSpec, type FaultState, observeCycle } from './faults';
import { type Fleet, type SimInstance, type SimInstanceSpec, startFleet } from './fleet';
import { IngestTap, type PendingAck, type TapHost } from './ingest-tap';
import type { ActionCall } from './probe-provider';
import type { SimEvent } from './score';
import { SimHostAgent } from './sim-agent';
import { SIM_RETRY, type SimController, startSimController } from './sim-controller';
import { finishRun } from './run-end';
import type { SimReport } from './sim-report';
import { releaseMinutesBefore } from './trace-readings';

export interface SimOptions {
  name: string;
  instances: readonly SimInstanceSpec[];
  /** Simulated time; at most the traces' length (a week). */
  days: number;
  seed: number;
  faults?: readonly FaultSpec[];
  /** Controller environment overrides (the sim's defaults are the README's). */
  env?: Record<string, string>;
  /** Virtual epoch of trace second 0; default Monday 2025-01-06 00:00 UTC. */
  epochMs?: number;
  logLevel?: LogLevel;
  /** Called every `progressEvery` cycles with (cycle, cycles). */
  onProgress?: (cycle: number, cycles: number) => void;
  progressEvery?: number;
  /** Where the run's temp directory goes; default the OS temp dir (bench/simulate.ts uses /dev/shm when there is one). */
  tmpRoot?: string;
  /** An empty PostgreSQL database (postgres:// URL) to keep the store in instead of a SQLite file in the temp dir. */
  databaseUrl?: string;
}

export const SIM_DEFAULT_ENV: Record<string, string> = {
  PAUSE_WINDOW_MINUTES: '30',
  MIN_SAMPLES: '5',
  DELETE_THRESHOLD_HOURS: '24',
  DELETE_WARNING_HOURS: '1',
  PAUSE_THRESHOLD_GPU: '10',
  MIN_INSTANCE_AGE_HOURS: '1',
  CHECK_INTERVAL: '60',
};

/** Per-instance runtime state. */
export interface LiveInstance extends TapHost {
  inst: SimInstance;
  agent: SimHostAgent;
  state: 'running' | 'stopped' | 'gone';
  /** When the user comes back to a paused instance (trace second), null = never. */
  resumeAt: number | null;
  events: SimEvent[];
  online: boolean;
}

class CountingNotifier implements Notifier {
  count = 0;
  /** Messages about each instance (warnings, their calling-off, pauses, deletes, failures). */
  readonly byInstance = new Map<string, number>();
  notify(_text: string, about?: NoticeAbout): void {
    this.count++;
    if (about?.instanceId !== undefined) this.byInstance.set(about.instanceId, (this.byInstance.get(about.instanceId) ?? 0) + 1);
  }
  async flush(): Promise<void> {}
}

export async function runSimulation(o: SimOptions): Promise<SimReport> {
  const dir = mkdtempSync(join(o.tmpRoot ?? tmpdir(), `co-sim-${o.name.replace(/[^a-z0-9]+/gi, '-')}-`));
  try {
    return await simulate(o, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function simulate(o: SimOptions, dir: string): Promise<SimReport> {
  const started = Date.now();
  const cpu0 = process.cpuUsage();
  const epoch = o.epochMs ?? Date.UTC(2025, 0, 6);
  const durationSec = Math.round(o.days * 86_400);
  const shortest = Math.min(...o.instances.map((i) => i.trace.durationSec));
  if (durationSec > shortest) throw new RangeError(`runSimulation: ${o.days} days is longer than the traces (${shortest / 86_400} days)`);
  const faults = o.faults ?? [];
  let nowMs = epoch;
  const clock = () => nowMs;
  const errorLines: string[] = [];
  let errorCount = 0;
  const logger = createLogger({
    level: o.logLevel ?? 'warn',
    now: () => new Date(nowMs),
    sink: (level, line) => {
      if (level !== 'error') return;
      errorCount++;
      if (errorLines.length < 50) errorLines.push(line);
    },
  });
  const config = parseConfig({ ...SIM_DEFAULT_ENV, DATA_DIR: dir, ...(o.env ?? {}) });
  // One cycle per CHECK_INTERVAL; agents report every minute, so a cycle is whole minutes.
  const CYCLE_SEC = config.checkIntervalSec;
  if (!Number.isInteger(CYCLE_SEC / 60) || CYCLE_SEC <= 0)
    throw new RangeError(`runSimulation: CHECK_INTERVAL must be a whole number of minutes, got ${CYCLE_SEC} s`);
  const cycles = Math.floor(durationSec / CYCLE_SEC);
  const notifier = new CountingNotifier();
  const fleet: Fleet = await startFleet(o.instances, {
    epochMs: epoch,
    now: clock,
    logger,
    // Generous against a loaded machine (a spurious timeout would only delay an action, but the run would no longer
    // be reproducible); a hung request costs this much wall time, so hang faults are kept to a few cycles.
    timeoutMs: 600,
    retry: SIM_RETRY,
  });
  const calls: ActionCall[] = [];
  const abandoned: SimController[] = [];
  try {
    return await play();
  } finally {
    for (const a of abandoned) a.store.close();
    await fleet.close();
  }

  // The run proper, inside the fleet's lifetime.
  async function play(): Promise<SimReport> {
    const dbPath = o.databaseUrl ?? join(dir, 'sim.db');
    const startController = () => startSimController({ dbPath, config, clock, notifier, logger, fleet, calls });

    const user = await fleet.makeProviders();
    const live: LiveInstance[] = fleet.instances.map((inst) => {
      const agent = new SimHostAgent({
        trace: inst.trace,
        epochMs: epoch,
        memTotalMiB: inst.model.memMiB,
        runIdPrefix: `${inst.key}-s${o.seed}`,
        clockOffsetMs: clockOffsetFor(faults, inst.key),
      });
      agent.start(0);
      return { inst, key: inst.key, id: inst.id, agent, state: 'running', resumeAt: null, events: [], online: true };
    });
    const traces = [...new Set(fleet.instances.map((i) => i.trace))];
    const states: FaultState[] = faults.map((spec) => ({ spec, started: false, endedAt: null, recoveredAt: null, notes: [], rejected: 0 }));
    const hostFaults = (key: string) => states.filter((st) => 'instanceKey' in st.spec && st.spec.kind !== 'controller-kill' && st.spec.instanceKey === key);
    let cycleNow = 0;
    const tap = new IngestTap({
      onReject: (h) => hostFaults(h.key).forEach((st) => (st.rejected = (st.rejected ?? 0) + 1)),
      // A host fault has recovered once that host's data is taken again after the fault.
      onAccept: (h) => {
        for (const st of hostFaults(h.key)) {
          const f = st.spec;
          const end = f.kind === 'agent-offline' ? f.fromSec + f.durationSec : f.kind === 'clock-step' ? f.atSec : Infinity;
          if (st.recoveredAt !== null || cycleNow < end || (f.kind === 'clock-step' && cycleNow === end)) continue;
          st.endedAt ??= end;
          st.recoveredAt = cycleNow;
        }
      },
    });
    let inventoryFailedCycles = 0;
    const timing = { ingestMs: 0, cycleMs: 0, agentsMs: 0 };

    let ctl: SimController | null = await startController();
    let restartAt: number | null = null;
    type KillSpec = Extract<FaultSpec, { kind: 'controller-kill' }>;
    const kills = states.filter((st) => st.spec.kind === 'controller-kill');
    /** The kill switch armed in the running controller (one at a time), and the last one that fired. */
    let armed: FaultState | null = null;
    let killState: FaultState | null = null;

    try {
      for (let c = 0; c <= cycles; c++) {
        const s = c * CYCLE_SEC;
        cycleNow = s;
        nowMs = epoch + s * 1000;

        // The controller process: restarted after a kill; the kill switch armed once its time has come.
        if (ctl === null && restartAt !== null && s >= restartAt) {
          ctl = await startController();
          restartAt = null;
          killState?.notes.push(`restarted at ${(s / 3600).toFixed(2)} h on the same database`);
          for (const l of live) l.agent.reconnect(); // every agent dials the new process and replays what it holds
        }
        const next: FaultState | undefined = ctl && !armed ? kills.find((st) => !st.started && s >= (st.spec as KillSpec).atSec) : undefined;
        if (ctl && next) {
          const k = next.spec as KillSpec;
          next.started = true;
          armed = next;
          const target = k.instanceKey ? live.find((l) => l.inst.key === k.instanceKey)?.inst.providerId : undefined;
          for (const p of ctl.probes) p.arm({ op: k.op ?? 'pause', providerId: target });
        }
        applyProviderFaults(states, fleet, s);

        // Users come back to the instances their trace says they resume.
        for (const l of live) {
          if (l.state !== 'stopped' || l.resumeAt === null || l.resumeAt > s) continue;
          // As the controller's own resume: a lost answer is settled by a re-read, never by starting twice.
          const acted = await act(user.get(l.inst.provider)!, 'resume', l.inst.providerId, { logger, policy: { resend: SIM_RETRY, settle: SIM_RETRY } });
          // The answer may be lost while the start happened: the provider's state decides (else the user retries).
          if (acted.kind !== 'done') logger.warn(`user resume of ${l.inst.id} failed: ${acted.kind === 'failed' ? String(acted.error) : acted.why}`);
          if (fleet.truth(l.inst) !== 'running') continue;
          l.state = 'running';
          l.resumeAt = null;
          l.events.push({ t: s, kind: 'resume' });
          l.agent.start(s);
        }

        // Agents close their intervals; those whose link is up send what the controller has not acknowledged.
        let mark = cpuNow();
        const connected: LiveInstance[] = [];
        for (const l of live) {
          if (l.state !== 'running') continue;
          l.agent.advance(s);
          const online = agentOnline(faults, l.inst.key, s);
          if (online && !l.online) l.agent.reconnect();
          l.online = online;
          if (online && ctl !== null && l.agent.running) connected.push(l);
        }
        timing.agentsMs += cpuNow() - mark;
        mark = cpuNow();
        const acks: PendingAck[] = ctl === null ? [] : tap.deliver(ctl.store, connected, s, nowMs);
        timing.ingestMs += cpuNow() - mark;
        mark = cpuNow();
        for (const l of live) if (l.inst.provider === 'vast' && l.state === 'running') fleet.setVastUtil(l.inst, l.inst.trace.at(Math.max(0, s - 1)).util);

        if (ctl !== null) {
          const c0 = ctl;
          const report = await c0.life.race(c0.opt.runOnce());
          timing.cycleMs += cpuNow() - mark;
          if (report === null) {
            // kill -9: no close, no acks for this cycle's batches (they were committed; the agents replay them). Requests
            // already on the wire still reach the provider: let them land before reading the ground truth.
            await c0.life.settled();
            abandoned.push(c0);
            ctl = null;
            killState = armed!;
            armed = null;
            restartAt = s + ((killState.spec as KillSpec).downSec ?? 120);
            killState.endedAt = s; // time to recover counts from the kill, downtime included
            const by = c0.life.killedBy!;
            killState.interrupted = {
              op: by.op,
              instanceId: fleet.instances.find((i) => i.provider === by.provider && i.providerId === by.providerId)?.id ?? by.providerId,
              at: s,
            };
          } else {
            for (const a of acks) a.agent.ack(a.runId, a.seq);
            if (report.providers.some((p) => !p.ok)) inventoryFailedCycles++;
            observeCycle(states, report, s);
            // After a kill: recovered at the restarted controller's first cycle that listed every provider.
            if (killState && killState.endedAt !== null && killState.recoveredAt === null && allListed(report)) killState.recoveredAt = s;
          }
        }

        // Ground truth: what the provider now says happened to each instance.
        for (const l of live) {
          if (l.state === 'gone') continue;
          const t = fleet.truth(l.inst);
          if (t === 'gone') {
            l.state = 'gone';
            l.events.push({ t: s, kind: 'delete' });
            l.agent.stop();
          } else if (t === 'stopped' && l.state === 'running') {
            l.state = 'stopped';
            l.events.push({ t: s, kind: 'pause' });
            l.agent.stop();
            const back = l.inst.trace.resumeAfterPause(s);
            l.resumeAt = back === null ? null : Math.ceil(back / CYCLE_SEC) * CYCLE_SEC;
          }
        }
        // Keep memory flat over a week: the fakes' request logs (the wire watch has what it needs) and past minutes.
        fleet.vast?.clearRequests();
        fleet.tensordock?.clearRequests();
        fleet.gcp?.clearRequests();
        for (const t of traces) releaseMinutesBefore(t, Math.floor(s / 60));
        if (o.onProgress && c % (o.progressEvery ?? 1440) === 0) o.onProgress(c, cycles);
      }
    } finally {
      await Promise.all([...user.values()].map((p) => ('close' in p && typeof p.close === 'function' ? (p.close as () => Promise<void>)() : undefined)));
    }

    const finalStore = ctl?.store ?? openStore(dbPath, { logger });
    try {
      return finishRun({
        o,
        store: finalStore,
        durationSec,
        cycles,
        config,
        live,
        states,
        calls,
        fleet,
        tap,
        epochMs: epoch,
        counters: { inventoryFailedCycles, notifications: notifier.count, errorLines: errorCount, messagesByInstance: notifier.byInstance },
        errorSample: errorLines,
        wallMs: Date.now() - started,
        timing: { ...timing, cpuMs: cpuSince(cpu0), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) },
      });
    } finally {
      if (ctl) await ctl.opt.close();
      finalStore.close();
    }
  }
}

function allListed(report: CycleReport): boolean {
  return report.providers.every((p) => p.ok);
}

/** CPU time of this process, ms (the machines are shared: wall time says little about our own cost). */
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1000;
}
