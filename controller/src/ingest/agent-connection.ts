// One authenticated agent WebSocket: enforces hello-first, validates every frame, corrects clock skew, queues
// batches for the writer and acknowledges them after the commit. The token decided the instance before this exists;
// nothing the agent says can change it.
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { type Batch, CloseCode, type ControllerMessage, type Hello, PROTOCOL_VERSION, type PreparePauseResult } from '../../../protocol';
import type { Logger } from '../log';
import type { Store } from '../store';
import type { InsertResult } from '../store/types';
import { batchInput } from './batch-input';
import type { BatchWriter } from './batch-writer';
import { parseAgentFrame, truncateUtf8 } from './parse-frame';
import type { IngestCounters, LatencyWindow } from './ingest-stats';
import { clampToFloor, evidenceFloor } from './trusted-time';

export interface ConnectionDeps {
  store: Store;
  writer: BatchWriter;
  logger: Logger;
  counters: IngestCounters;
  /** Receive-to-ack times (ms), for the stats line. */
  ackLatency: LatencyWindow;
  now: () => number;
  /** Settings sent in the welcome. */
  welcomeConfig: { reportIntervalMs?: number };
  /** MAX_GPUS_PER_SAMPLE: a batch reporting more GPUs than a host can have is refused (storage per token is bounded). */
  maxGpusPerSample?: number;
}

export interface AgentConnectionInfo {
  instanceId: string;
  remoteAddress: string;
  connectedAt: number;
  lastMessageAt: number;
  runId: string | null;
  agentVersion: string | null;
  gpus: number | null;
}

interface PendingPrepare {
  resolve(r: PreparePauseResult | null): void;
  timer: NodeJS.Timeout;
}

export class AgentConnection {
  readonly connectedAt: number;
  lastMessageAt: number;
  /** Cleared before each ping, set by any frame or pong; still false at the next ping means a dead socket. */
  alive = true;
  private hello: Hello | null = null;
  /** The connection's protocol version: the lower of the agent's hello and ours (protocol/version.ts). */
  private version: number = PROTOCOL_VERSION;
  private lastAck = 0;
  /** Trusted time: no sample of this connection may start before this (set at the hello; see trusted-time.ts). */
  private floor = 0;
  private backdatingLogged = false;
  private closing = false;
  private readonly prepares = new Map<string, PendingPrepare>();

  constructor(
    readonly ws: WebSocket,
    readonly instanceId: string,
    readonly remoteAddress: string,
    private readonly deps: ConnectionDeps,
  ) {
    this.connectedAt = deps.now();
    this.lastMessageAt = this.connectedAt;
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('error', (err) => {
      // ws closes the socket itself after an error (oversize frame -> 1009, invalid UTF-8 -> 1007); we only log.
      deps.counters.socketErrors++;
      deps.logger.warn(`agent ${instanceId} (${remoteAddress}): ${err.message}`);
    });
  }

  get isOpen(): boolean {
    return !this.closing && this.ws.readyState === this.ws.OPEN;
  }

  info(): AgentConnectionInfo {
    return {
      instanceId: this.instanceId,
      remoteAddress: this.remoteAddress,
      connectedAt: this.connectedAt,
      lastMessageAt: this.lastMessageAt,
      runId: this.hello?.runId ?? null,
      agentVersion: this.hello?.agentVersion ?? null,
      gpus: this.hello?.gpus.length ?? null,
    };
  }

  /** Closes with a code and reason (<= 123 bytes); later frames are ignored. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.settlePrepares();
    try {
      this.ws.close(code, truncateUtf8(reason));
    } catch (err) {
      this.deps.logger.warn(`closing agent ${this.instanceId}: ${(err as Error).message}`);
      this.ws.terminate();
    }
  }

  /** Called once the socket is closed, whoever closed it. */
  onClosed(): void {
    this.closing = true;
    this.settlePrepares();
  }

  /** Asks the agent to run its own checkpoint hook; null when no answer arrives within waitMs. */
  preparePause(timeoutMs: number, waitMs: number): Promise<PreparePauseResult | null> {
    if (!this.isOpen || this.hello === null) return Promise.resolve(null);
    const requestId = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.prepares.delete(requestId);
        this.deps.logger.warn(`agent ${this.instanceId} did not answer prepare-pause ${requestId} within ${waitMs} ms`);
        resolve(null);
      }, waitMs);
      this.prepares.set(requestId, { resolve, timer });
      this.send({ v: this.version, type: 'prepare-pause', requestId, timeoutMs });
    });
  }

  private settlePrepares(): void {
    for (const p of this.prepares.values()) {
      clearTimeout(p.timer);
      p.resolve(null);
    }
    this.prepares.clear();
  }

  private send(msg: ControllerMessage): void {
    if (!this.isOpen) return;
    this.ws.send(JSON.stringify(msg), (err) => {
      if (err) this.deps.logger.warn(`sending ${msg.type} to agent ${this.instanceId} failed: ${err.message}`);
    });
  }

  private badFrame(reason: string): void {
    this.deps.counters.badFrames++;
    this.deps.logger.warn(`bad frame from agent ${this.instanceId} (${this.remoteAddress}), closing: ${reason}`);
    this.close(CloseCode.BadFrame, reason);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closing) return;
    const now = this.deps.now();
    this.lastMessageAt = now;
    this.alive = true;
    this.deps.counters.frames++;
    const parsed = parseAgentFrame(data, isBinary);
    if (!parsed.ok) return this.badFrame(parsed.reason);
    const msg = parsed.msg;
    if (msg.type === 'hello') return this.onHello(msg, now);
    if (this.hello === null) return this.badFrame(`first frame must be hello, got ${msg.type}`);
    if (msg.type === 'batch') return this.onBatch(msg, now);
    return this.onPrepareResult(msg);
  }

  private onHello(hello: Hello, now: number): void {
    if (this.hello !== null) return this.badFrame('hello sent twice on one connection');
    this.hello = hello;
    // An older agent is answered in its own version (its welcome and acks would not parse otherwise).
    this.version = Math.min(hello.v, PROTOCOL_VERSION);
    this.deps.writer.enqueueHello(this.instanceId, hello);
    let ackedSeq: number;
    try {
      ackedSeq = this.deps.store.ackedSeq(this.instanceId, hello.runId);
      const lastAgentEnd = ackedSeq > 0 ? this.deps.store.lastAgentSampleEnd(this.instanceId) : null;
      this.floor = evidenceFloor({ connectedAt: this.connectedAt, knownRun: ackedSeq > 0, lastAgentEnd });
    } catch (err) {
      this.deps.logger.error(`reading acked sequence for ${this.instanceId}`, err);
      return this.close(1011, 'server error; reconnect later');
    }
    this.lastAck = ackedSeq;
    this.send({ v: this.version, type: 'welcome', instanceId: this.instanceId, serverTime: now, ackedSeq, config: this.deps.welcomeConfig });
    this.deps.logger.info(
      `agent connected: ${this.instanceId} from ${this.remoteAddress} (agent ${hello.agentVersion}, protocol ${this.version}, run ${hello.runId}, ${hello.gpus.length} GPUs, acked ${ackedSeq})`,
    );
  }

  private onBatch(b: Batch, now: number): void {
    if (b.runId !== this.hello!.runId) return this.badFrame('batch runId differs from the hello');
    if (b.v !== this.version) return this.badFrame(`batch version ${b.v} differs from the connection's ${this.version}`);
    const maxGpus = this.deps.maxGpusPerSample ?? 16;
    if (b.gpus.length > maxGpus) {
      return this.badFrame(`batch ${b.seq} reports ${b.gpus.length} GPUs; a host has at most ${maxGpus} (MAX_GPUS_PER_SAMPLE)`);
    }
    const converted = batchInput(this.instanceId, b, now);
    if (!converted.ok) return this.badFrame(converted.reason);
    const clamped = clampToFloor(converted.input, this.floor);
    if (clamped.cutMs > 60_000 && !this.backdatingLogged) {
      // More than a report interval or two before the floor: a forged history, or a real agent that buffered before
      // it could ever connect. Either way the controller cannot vouch for that time; said once per connection.
      this.backdatingLogged = true;
      this.deps.logger.warn(
        `agent ${this.instanceId} (${this.remoteAddress}): batch ${b.seq} reaches ${Math.round(clamped.cutMs / 1000)} s before ${new Date(this.floor).toISOString()}, ` +
          'the earliest time this connection can vouch for; it counts from then on (trusted time, docs/security.md)',
      );
    }
    const received = performance.now();
    const refused = this.deps.writer.enqueueSample(clamped.input, (r) => this.onCommitted(b.seq, r, received));
    if (refused !== null) {
      this.deps.counters.busyRejections++;
      this.deps.logger.warn(`batch from agent ${this.instanceId} not queued (${refused}); closing so it retries later`);
      this.close(1013, refused);
    }
  }

  private onCommitted(seq: number, r: InsertResult | Error, received: number): void {
    if (r instanceof Error) {
      this.close(1011, 'server error storing batch; reconnect and replay');
      return;
    }
    this.deps.counters.batches[r.status]++;
    if (r.status === 'rejected') return this.badFrame(`batch ${seq} refused: ${r.reason ?? 'invalid'}`);
    const ack = r.maxSeq ?? seq;
    if (ack > this.lastAck) {
      this.lastAck = ack;
      this.send({ v: this.version, type: 'ack', runId: this.hello!.runId, seq: ack });
    }
    this.deps.ackLatency.add(performance.now() - received);
  }

  private onPrepareResult(r: PreparePauseResult): void {
    const pending = this.prepares.get(r.requestId);
    if (pending === undefined) {
      this.deps.logger.warn(`agent ${this.instanceId} answered unknown prepare-pause ${r.requestId}`);
      return;
    }
    this.prepares.delete(r.requestId);
    clearTimeout(pending.timer);
    pending.resolve(r);
  }
}
