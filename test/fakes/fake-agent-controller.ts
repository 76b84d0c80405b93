// A tiny stand-in for the controller's agent endpoint, for agent tests and bench/agent.ts: a real `ws` server on a
// free port that validates every frame against the protocol schemas, answers hello with welcome and acks batches.
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { AgentMessageSchema, PROTOCOL_VERSION, type AgentMessage, type ControllerMessage } from '../../protocol';

export interface FakeAgentControllerOptions {
  /** Ack every batch as it arrives (default true); false: the test acks with ack(). */
  autoAck?: boolean;
  /** Reject connections whose Authorization header is not `Bearer <token>` with HTTP 401. */
  token?: string;
  instanceId?: string;
  /** Sent in welcome.config. */
  reportIntervalMs?: number;
  /** Answer hello with welcome (default true). */
  welcome?: boolean;
  /** Answer pings (default true); false plays a controller that hangs without closing. */
  autoPong?: boolean;
  /** Listen on this port (default: a free one); a test restarts the controller on the same port. */
  port?: number;
}

export interface ReceivedFrame {
  /** 1 for the first connection, 2 for the next... */
  conn: number;
  at: number;
  msg: AgentMessage;
}

export class FakeAgentController {
  readonly frames: ReceivedFrame[] = [];
  /** Frames that failed validation, with the reason: a correct agent never sends one. */
  readonly invalid: { conn: number; text: string; error: string }[] = [];
  readonly headers: IncomingHttpHeaders[] = [];
  /** Highest committed (acknowledged) seq per runId. */
  readonly committed = new Map<string, number>();
  readonly closes: { conn: number; code: number }[] = [];
  private sockets: WebSocket[] = [];
  opts: FakeAgentControllerOptions & { autoAck: boolean; instanceId: string; welcome: boolean };

  private constructor(
    private readonly wss: WebSocketServer,
    opts: FakeAgentControllerOptions,
  ) {
    this.opts = { autoAck: true, instanceId: 'manual:test', welcome: true, ...opts };
  }

  static async start(opts: FakeAgentControllerOptions = {}): Promise<FakeAgentController> {
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: opts.port ?? 0,
      path: '/agent',
      autoPong: opts.autoPong ?? true,
      verifyClient: (info, cb) => {
        if (opts.token !== undefined && info.req.headers.authorization !== `Bearer ${opts.token}`) cb(false, 401, 'Unauthorized');
        else cb(true);
      },
    });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const fake = new FakeAgentController(wss, opts);
    wss.on('connection', (ws, req) => fake.onConnection(ws, req.headers));
    return fake;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/agent`;
  }

  get connectionCount(): number {
    return this.sockets.length;
  }

  /** Messages of one type, in arrival order. */
  of<T extends AgentMessage['type']>(type: T): (ReceivedFrame & { msg: Extract<AgentMessage, { type: T }> })[] {
    return this.frames.filter((f) => f.msg.type === type) as (ReceivedFrame & { msg: Extract<AgentMessage, { type: T }> })[];
  }

  /** Commit and acknowledge (cumulatively) up to `seq`. */
  ack(runId: string, seq: number): void {
    this.committed.set(runId, Math.max(seq, this.committed.get(runId) ?? 0));
    this.send({ v: PROTOCOL_VERSION, type: 'ack', runId, seq: this.committed.get(runId)! });
  }

  /** Send to the newest open connection (anything: tests also send invalid frames). */
  send(msg: ControllerMessage | object | string): void {
    const ws = this.sockets[this.sockets.length - 1];
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Cut every connection without a close frame (a crash, a dead network). */
  dropAll(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, headers: IncomingHttpHeaders): void {
    this.sockets.push(ws);
    this.headers.push(headers);
    const conn = this.sockets.length;
    ws.on('close', (code) => this.closes.push({ conn, code }));
    ws.on('message', (data) => {
      const text = data.toString();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        this.invalid.push({ conn, text: text.slice(0, 200), error: String(e) });
        return;
      }
      const r = AgentMessageSchema.safeParse(parsed);
      if (!r.success) {
        this.invalid.push({ conn, text: text.slice(0, 500), error: r.error.message });
        return;
      }
      const msg = r.data;
      this.frames.push({ conn, at: Date.now(), msg });
      if (msg.type === 'hello' && this.opts.welcome) {
        ws.send(
          JSON.stringify({
            v: PROTOCOL_VERSION,
            type: 'welcome',
            instanceId: this.opts.instanceId,
            serverTime: Date.now(),
            ackedSeq: this.committed.get(msg.runId) ?? 0,
            config: this.opts.reportIntervalMs !== undefined ? { reportIntervalMs: this.opts.reportIntervalMs } : {},
          }),
        );
      }
      if (msg.type === 'batch' && this.opts.autoAck) {
        this.committed.set(msg.runId, Math.max(msg.seq, this.committed.get(msg.runId) ?? 0));
        ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'ack', runId: msg.runId, seq: this.committed.get(msg.runId) }));
      }
    });
  }
}
