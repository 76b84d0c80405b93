// A simulated agent speaking the real protocol over `ws`: hello, batches of N GPUs with chosen utilization, a
// bounded buffer replayed after reconnects, cumulative acks, ack latency. Used by ingest tests, e2e tests and
// bench/ingest.ts (thousands per process, so it stays light: one socket, a few arrays).
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import {
  type AgentHealth,
  type Batch,
  type ControllerMessage,
  ControllerMessageSchema,
  type GpuStats,
  type Hello,
  PROTOCOL_VERSION,
  type PreparePause,
  type PreparePauseResult,
  type Welcome,
} from '../protocol';

export type UtilSpec = number | null | (number | null)[];

export interface SimAgentOptions {
  /** ws://host:port/agent */
  url: string;
  /** Further controller URLs (replicas): each reconnect attempt goes to the next one in turn, after `url`. */
  moreUrls?: string[];
  token: string;
  gpus?: number;
  runId?: string;
  /** Interval each batch covers (t1 - t0). Default 10 s. */
  intervalMs?: number;
  /** Added to this process's clock: a skewed agent. */
  clockOffsetMs?: number;
  /** Unacknowledged batches kept for replay; the oldest are dropped beyond it. Default 10000. */
  maxBuffer?: number;
  /** Reconnect after the connection drops (not after close()). */
  autoReconnect?: boolean;
  reconnectDelayMs?: number;
  /** For wss:// to a self-signed controller: the certificate (PEM) to trust as the only CA. */
  ca?: string;
  helloOverrides?: Partial<Hello>;
  /** Answer to prepare-pause; default: outcome 'none' (no hook configured). Return null to stay silent. */
  onPreparePause?: (msg: PreparePause) => PreparePauseResult | null;
}

export function gpuStatsFor(n: number, util: UtilSpec, readings = 10): GpuStats[] {
  return Array.from({ length: n }, (_, i) => {
    const u = Array.isArray(util) ? (util[i] ?? null) : util;
    return {
      index: i,
      uuid: `GPU-sim-${i}`,
      count: readings,
      utilUnknown: u === null ? readings : 0,
      util: u === null ? null : { min: u, mean: u, max: u },
      memUsed: { min: 1000, mean: 1000, max: 1000 },
      memTotal: 81_559,
      temp: { min: 40, mean: 40, max: 40 },
      power: { min: 100, mean: 100, max: 100 },
    };
  });
}

export class SimAgent extends EventEmitter {
  readonly runId: string;
  ws: WebSocket | null = null;
  welcome: Welcome | null = null;
  /** Highest sequence number the controller acknowledged. */
  ackedSeq = 0;
  seq = 0;
  dropped = 0;
  /** Unacknowledged batches, oldest first. */
  readonly buffer: Batch[] = [];
  /** Milliseconds from (last) send to ack, one per acknowledged batch. */
  readonly latencies: number[] = [];
  /** Close codes and reasons seen, in order. */
  readonly closes: { code: number; reason: string }[] = [];
  private readonly sendTimes = new Map<number, number>();
  private stopped = false;
  private readonly urls: string[];
  private urlIndex = 0;
  private readonly opts: Required<Pick<SimAgentOptions, 'gpus' | 'intervalMs' | 'clockOffsetMs' | 'maxBuffer' | 'reconnectDelayMs'>> & SimAgentOptions;

  constructor(opts: SimAgentOptions) {
    super();
    this.opts = { gpus: 8, intervalMs: 10_000, clockOffsetMs: 0, maxBuffer: 10_000, reconnectDelayMs: 200, ...opts };
    this.runId = opts.runId ?? 'sim-' + randomBytes(8).toString('hex');
    this.urls = [opts.url, ...(opts.moreUrls ?? [])];
  }

  /** The URL of the current (or last) connection attempt. */
  get url(): string {
    return this.urls[this.urlIndex]!;
  }

  /** The agent's (possibly skewed) clock. */
  now(): number {
    return Date.now() + this.opts.clockOffsetMs;
  }

  get connected(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN && this.welcome !== null;
  }

  hello(): Hello {
    return {
      v: PROTOCOL_VERSION,
      type: 'hello',
      agentVersion: 'sim-1',
      runId: this.runId,
      sentAt: this.now(),
      host: { hostname: 'sim', os: 'linux', kernel: '6.1', arch: 'x64', cpuModel: 'sim', cpuCores: 8, memTotalMiB: 64_000, nodeVersion: process.version },
      identity: { provider: null, providerId: null, source: 'none' },
      gpus: Array.from({ length: this.opts.gpus }, (_, i) => ({ index: i, uuid: `GPU-sim-${i}`, name: 'Sim GPU', memTotalMiB: 81_559 })),
      sampleIntervalMs: 1000,
      reportIntervalMs: this.opts.intervalMs,
      checkpointConfigured: false,
      ...this.opts.helloOverrides,
    };
  }

  /** Connects, says hello, replays the buffer after the welcome; resolves with the welcome. */
  connect(): Promise<Welcome> {
    this.stopped = false;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, {
        headers: { authorization: `Bearer ${this.opts.token}` },
        perMessageDeflate: false,
        ...(this.opts.ca ? { ca: this.opts.ca } : {}),
      });
      this.ws = ws;
      this.welcome = null;
      let settled = false;
      ws.on('unexpected-response', (_req, res) => {
        settled = true;
        reject(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode}`), { status: res.statusCode }));
        ws.terminate();
      });
      ws.on('open', () => ws.send(JSON.stringify(this.hello())));
      ws.on('message', (data) => {
        const msg = this.parse(data.toString());
        if (msg === null) return;
        if (msg.type === 'welcome') {
          if (ws !== this.ws) return;
          this.welcome = msg;
          this.onAck(msg.ackedSeq);
          for (const b of this.buffer) this.transmit(b);
          if (!settled) {
            settled = true;
            resolve(msg);
          }
          this.emit('welcome', msg);
        } else if (msg.type === 'ack') {
          this.onAck(msg.seq);
        } else if (msg.type === 'prepare-pause') {
          const answer = this.opts.onPreparePause
            ? this.opts.onPreparePause(msg)
            : {
                v: PROTOCOL_VERSION,
                type: 'prepare-pause-result' as const,
                requestId: msg.requestId,
                outcome: 'none' as const,
                exitCode: null,
                durationMs: 0,
                output: '',
              };
          if (answer !== null) this.sendRaw(JSON.stringify(answer));
        }
      });
      ws.on('error', (err) => {
        if (!settled) {
          settled = true;
          reject(err);
        }
        this.emit('socket-error', err);
      });
      ws.on('close', (code, reason) => {
        if (!settled) {
          settled = true;
          reject(Object.assign(new Error(`closed before welcome: ${code} ${reason.toString()}`), { code }));
        }
        if (ws !== this.ws) return;
        this.closes.push({ code, reason: reason.toString() });
        this.welcome = null;
        this.emit('close', code, reason.toString());
        if (!this.stopped && this.opts.autoReconnect) setTimeout(() => this.reconnectLoop(), this.opts.reconnectDelayMs);
      });
    });
  }

  private reconnectLoop(): void {
    if (this.stopped) return;
    if (this.urls.length > 1) this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    // A failed attempt ends in 'close' too (refused, reset, or terminated after a non-101 answer), whose handler
    // schedules the next one: a single chain of attempts.
    this.connect().catch(() => undefined);
  }

  /** Makes the next batch (buffered until acked) and sends it when connected; returns its seq. */
  sendBatch(util: UtilSpec = 0, extra: Partial<Batch> = {}, health: AgentHealth = { state: 'ok' }): number {
    const t1 = this.now();
    const b: Batch = {
      v: PROTOCOL_VERSION,
      type: 'batch',
      runId: this.runId,
      seq: ++this.seq,
      t0: t1 - this.opts.intervalMs,
      t1,
      sentAt: t1,
      gpus: gpuStatsFor(this.opts.gpus, util),
      procs: 0,
      health,
      dropped: this.dropped,
      ...extra,
    };
    this.buffer.push(b);
    while (this.buffer.length > this.opts.maxBuffer) {
      this.buffer.shift();
      this.dropped++;
    }
    if (this.connected) this.transmit(b);
    return b.seq;
  }

  /** Sends anything as a text frame (or binary with a Buffer): for bad-frame tests. */
  sendRaw(data: string | Buffer): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  /** Resolves once every batch up to `seq` is acknowledged. */
  waitForAck(seq: number, timeoutMs = 20_000): Promise<void> {
    if (this.ackedSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('ack', check);
        reject(new Error(`no ack for seq ${seq} within ${timeoutMs} ms (acked ${this.ackedSeq})`));
      }, timeoutMs);
      const check = () => {
        if (this.ackedSeq >= seq) {
          clearTimeout(timer);
          this.off('ack', check);
          resolve();
        }
      };
      this.on('ack', check);
    });
  }

  /** Resolves with the next close of the current socket. */
  nextClose(timeoutMs = 20_000): Promise<{ code: number; reason: string }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no close within ${timeoutMs} ms`)), timeoutMs);
      this.once('close', (code: number, reason: string) => {
        clearTimeout(timer);
        resolve({ code, reason });
      });
    });
  }

  /** Stops reconnecting and closes the socket. */
  async close(): Promise<void> {
    this.stopped = true;
    const ws = this.ws;
    if (ws === null || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'sim agent done');
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2_000).unref();
    });
  }

  private transmit(b: Batch): void {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return;
    // A replay carries a fresh sentAt so the controller's skew correction stays right.
    const frame = { ...b, sentAt: this.now() };
    this.sendTimes.set(b.seq, performance.now());
    ws.send(JSON.stringify(frame), (err) => {
      if (err) this.emit('socket-error', err);
    });
  }

  private onAck(seq: number): void {
    if (seq <= this.ackedSeq) return;
    this.ackedSeq = seq;
    const t = performance.now();
    while (this.buffer.length > 0 && this.buffer[0]!.seq <= seq) {
      const b = this.buffer.shift()!;
      const sent = this.sendTimes.get(b.seq);
      if (sent !== undefined) {
        this.latencies.push(t - sent);
        this.sendTimes.delete(b.seq);
      }
    }
    this.emit('ack', seq);
  }

  private parse(text: string): ControllerMessage | null {
    try {
      const r = ControllerMessageSchema.safeParse(JSON.parse(text));
      if (r.success) return r.data;
      this.emit('protocol-error', new Error(`invalid controller message: ${r.error.issues[0]?.message}`));
    } catch {
      this.emit('protocol-error', new Error('controller sent invalid JSON'));
    }
    return null;
  }
}
