// The agent of one simulated host: turns its trace into the protocol batches the real agent would send, buffered in
// the real agent's BatchBuffer (replayed after an outage, pruned by acks), on the host's own (possibly stepped) clock.
//
// Timing follows agent/src/agent.ts and agent/src/clock.ts: the agent reads the host's wall clock once, when its
// process starts, and advances it with the monotonic clock, so a report closes [t0, t0 + interval] on time whatever
// happens to the host's clock later; only a new process (a restart) picks up a stepped clock. With a 60 s interval
// every batch is exactly one trace minute, looked up from the shared per-minute cache (fast path); a host with a
// clock offset aggregates second by second.
import { Aggregator } from '../../protocol/nvidia-smi/aggregate';
import { BatchBuffer } from '../../agent/src/batch-buffer';
import { type Batch, type GpuStats, type Interactive, PROTOCOL_VERSION } from '../../protocol';
import type { Trace } from '../traces/trace';
import { minuteStats, readingOf } from './trace-readings';

export interface SimHostAgentOptions {
  trace: Trace;
  /** Epoch ms of trace second 0 (the controller's clock). */
  epochMs: number;
  memTotalMiB: number;
  /** REPORT_INTERVAL in seconds; the fast path needs 60. */
  reportIntervalSec?: number;
  /** BUFFER_MAX_BATCHES (agent default 8640). */
  bufferMaxBatches?: number;
  /** Prefix of the deterministic run ids (one run per agent process). */
  runIdPrefix: string;
  /** The host clock's offset from the controller's at trace second s, ms; absent = in sync for the whole run. */
  clockOffsetMs?: (s: number) => number;
}

export class SimHostAgent {
  private readonly interval: number;
  private readonly fast: boolean;
  private runs = 0;
  private buffer: BatchBuffer | null = null;
  private runId = '';
  private seq = 0;
  /** Interval start on the agent's clock, ms. */
  private t0 = 0;
  /** Next trace second whose reading has not been taken. */
  private cursor = 0;
  /** First trace second of the interval being collected: host figures are its means (agent/src/activity/host-activity.ts). */
  private hostFrom = 0;
  /** Trace second at whose end the next report is due. */
  private dueAt = 0;
  private agg = new Aggregator();
  /** Highest seq sent on the current connection: the link sends each batch once, a reconnect replays the rest. */
  private sentUpTo = 0;
  private droppedBefore = 0;
  /** Batches produced in all runs. */
  produced = 0;
  /** `runId|seq` of the batches a process still held unacknowledged when it ended (some may have been stored). */
  readonly unackedAtStop: string[] = [];

  constructor(private readonly o: SimHostAgentOptions) {
    this.interval = o.reportIntervalSec ?? 60;
    this.fast = o.clockOffsetMs === undefined && this.interval === 60;
  }

  get running(): boolean {
    return this.buffer !== null;
  }

  get currentRunId(): string {
    return this.runId;
  }

  /** Unacknowledged batches waiting in the buffer. */
  get pending(): number {
    return this.buffer?.size ?? 0;
  }

  /** Batches dropped by a full buffer, over every run. */
  get droppedTotal(): number {
    return this.droppedBefore + (this.buffer?.dropped ?? 0);
  }

  /** The host's wall-clock offset read by the running process at its start (agent/src/clock.ts). */
  private runOffsetMs = 0;

  /** Agent clock (epoch ms) at trace second s. */
  clock(s: number): number {
    return this.o.epochMs + s * 1000 + this.runOffsetMs;
  }

  /** A new agent process starts at trace second `s` (instance booted or resumed). */
  start(s: number): void {
    if (this.fast && s % 60 !== 0) throw new Error(`SimHostAgent: the fast path starts on a minute, not at second ${s}`);
    this.runs++;
    this.runId = `${this.o.runIdPrefix}-run${this.runs}`.padEnd(8, '0');
    this.seq = 0;
    this.sentUpTo = 0;
    this.buffer = new BatchBuffer(this.runId, this.o.bufferMaxBatches ?? 8640);
    this.cursor = s;
    this.runOffsetMs = this.o.clockOffsetMs?.(s) ?? 0;
    this.t0 = this.clock(s);
    this.dueAt = s + this.interval;
    this.hostFrom = s;
    this.agg = new Aggregator();
  }

  /** The process ends (instance stopped, host gone): whatever it had not had acknowledged is gone with it. */
  stop(): void {
    if (!this.buffer) return;
    for (const b of this.buffer.after(0)) this.unackedAtStop.push(`${b.runId}|${b.seq}`);
    this.droppedBefore += this.buffer.dropped;
    this.buffer = null;
  }

  /** Takes the readings of trace seconds before `toSec` and closes every interval due by then. */
  advance(toSec: number): void {
    if (!this.buffer) return;
    const end = Math.min(toSec, this.o.trace.durationSec);
    if (this.fast) {
      for (; this.cursor + 60 <= end; this.cursor += 60) {
        const m = minuteStats(this.o.trace, this.cursor / 60);
        if (m.gpus === null) return this.die();
        this.emit(this.clock(this.cursor), this.clock(this.cursor + 60), m.gpus, m.procs, this.cursor + 60);
        if (!this.buffer) return;
      }
      return;
    }
    for (; this.cursor < end; this.cursor++) {
      const p = this.o.trace.at(this.cursor);
      if (!p.agentUp) return this.die();
      this.agg.add(readingOf(p));
      const s = this.cursor + 1; // the reading of second `cursor` is in; the timer may fire at the end of it
      if (s < this.dueAt) continue;
      const now = this.clock(s);
      const t1 = Math.max(this.t0, now);
      this.emit(this.t0, t1, this.agg.take(), p.memUsedMiB > 1000 ? 1 : 0, s);
      this.dueAt = s + Math.max(1, Math.ceil((t1 + this.interval * 1000 - now) / 1000));
    }
  }

  /** What the agent sends at trace second `s` (sentAt = its clock now): batches not yet sent on this connection. */
  outbox(s: number): Batch[] {
    if (!this.buffer) return [];
    const sentAt = this.clock(s);
    const out = this.buffer.after(this.sentUpTo).map((b) => ({ ...b, sentAt, dropped: this.buffer!.dropped }));
    if (out.length > 0) this.sentUpTo = out[out.length - 1]!.seq;
    return out;
  }

  /** A new connection (network back, controller restarted): everything unacknowledged is sent again. */
  reconnect(): void {
    this.sentUpTo = 0;
  }

  ack(runId: string, seq: number): void {
    this.buffer?.ack(runId, seq);
  }

  private die(): void {
    this.stop();
  }

  /** The agent's interactive report at trace second s (agent/src/activity): terminal input or notebook kernels. */
  private interactive(s: number): Interactive {
    const k = this.o.trace.interactive?.(s - 1);
    const at = k?.lastInputSec === null || k === undefined ? null : this.clock(k.lastInputSec);
    return {
      terminalInputAt: k?.kind === 'terminal' ? at : null,
      terminals: k?.kind === 'terminal' ? 'ok' : 'none',
      notebookActivityAt: k?.kind === 'notebook' ? at : null,
      notebookBusy: k?.kind === 'notebook' && k.kernelBusy,
      notebooks: k?.kind === 'notebook' ? 'ok' : 'none',
    };
  }

  /** The host's mean throughput over trace seconds [hostFrom, s), as the agent reports it; nothing when the trace has none. */
  private host(s: number): { host?: NonNullable<Batch['host']> } {
    const h = this.o.trace.host;
    if (h === undefined || s <= this.hostFrom) return {};
    let net = 0;
    let disk = 0;
    let cpu = 0;
    for (let k = this.hostFrom; k < s; k++) {
      const p = h(k);
      net += p.netMBs;
      disk += p.diskMBs;
      cpu += p.cpuPct;
    }
    const n = s - this.hostFrom;
    const r = (v: number) => Math.round(v * 1000) / 1000;
    return { host: { netMBs: r(net / n), diskMBs: r(disk / n), cpuPct: Math.min(100, r(cpu / n)) } };
  }

  private emit(t0: number, t1: number, gpus: GpuStats[], procs: number, s: number): void {
    const withMem = gpus.map((g) => ({ ...g, memTotal: this.o.memTotalMiB }));
    this.seq++;
    this.produced++;
    this.buffer!.push({
      v: PROTOCOL_VERSION,
      type: 'batch',
      runId: this.runId,
      seq: this.seq,
      t0,
      t1,
      sentAt: t1,
      gpus: withMem,
      procs,
      health: { state: 'ok' },
      dropped: this.buffer!.dropped,
      interactive: this.interactive(s),
      ...this.host(s),
    });
    this.hostFrom = s;
    this.t0 = t1;
  }
}
