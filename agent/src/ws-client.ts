// The agent's WebSocket link to the controller: hello -> welcome -> replay of unacknowledged batches -> live batches,
// cumulative acks, reconnects with full-jitter backoff, dead-link detection, prepare-pause requests.
// Several URLs (replicas of one controller): a connection that fails before the welcome (refused, TLS or pin failure,
// closed or silent before welcome) or a session that drops before it was stable moves the link to the next URL, round
// and round with the same backoff; a stable session that drops is retried on its own URL first (a restart, a blip).
// Unacknowledged batches stay in the buffer whichever URL answers, and are replayed after the next welcome.
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import {
  type Batch,
  type Hello,
  type PreparePause,
  type PreparePauseResult,
  type Welcome,
  CloseCode,
  ControllerMessageSchema,
  HOST_ACTIVITY_VERSION,
  PROTOCOL_VERSION,
} from '../../protocol';
import { type Logger, errorMessage } from '../../protocol/log';
import { Backoff } from '../../protocol/backoff';
import type { BatchBuffer } from './batch-buffer';
import { agentNow } from './clock';
import { connectPinned, PinMismatchError } from './pinned-tls';
import { batchForVersion, versionAfterHelloRefused } from './protocol-version';

export interface ControllerLinkOptions {
  /** Full ws(s):// URLs, path included, tried in this order (at least one). */
  urls: readonly string[];
  token: string;
  /** CONTROLLER_PIN: the server key must hash to this before anything (the token above all) is sent, whichever URL. */
  pin?: string | null;
  runId: string;
  buffer: BatchBuffer;
  logger: Logger;
  /** Built at every connect, so it carries the GPUs seen so far. */
  hello: () => Hello;
  onWelcome?: (welcome: Welcome) => void;
  onPreparePause: (request: PreparePause) => Promise<PreparePauseResult>;
  /** No ack for this long while batches wait for one: the link is dead (3 report intervals). */
  ackTimeoutMs: () => number;
  userAgent?: string;
  /** The instance the agent finds itself on (`vast:123`), sent beside the token: a token kept elsewhere is refused. */
  instanceClaim?: () => string | null;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  pingIntervalMs?: number;
  welcomeTimeoutMs?: number;
  random?: () => number;
}

/** A session ready this long counts as stable: the next reconnect starts from the shortest delay again. */
const STABLE_SESSION_MS = 10_000;
/** Largest frame we accept from the controller; its messages are small. */
const MAX_INCOMING_BYTES = 1024 * 1024;

type Phase = 'idle' | 'connecting' | 'hello' | 'ready';

function claimHeader(claim: string | null): Record<string, string> {
  return claim === null ? {} : { 'X-Cost-Optimizer-Instance': claim };
}

export class ControllerLink {
  private ws: WebSocket | null = null;
  private phase: Phase = 'idle';
  private stopping = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private welcomeTimer: NodeJS.Timeout | null = null;
  private readonly backoff: Backoff;
  /** Highest seq sent on the current connection: live sends continue from here, so nothing goes twice. */
  private lastSentSeq = 0;
  /** Highest seq the controller acknowledged. */
  private ackedSeq = 0;
  private awaitingAckSince: number | null = null;
  private pongPending = false;
  private readySince = 0;
  private failures = 0;
  private ackWaiters: ((acked: boolean) => void)[] = [];
  /** Index in opts.urls of the URL the link uses now. */
  private urlIndex = 0;
  /** Connections opened so far (for tests and logs). */
  connects = 0;
  /** The version the next hello offers: the highest, lowered one step each time a controller refuses the hello. */
  private offeredVersion: number = PROTOCOL_VERSION;
  /** The version the welcome chose for the current connection. */
  version: number = PROTOCOL_VERSION;
  private olderControllerLogged = false;

  constructor(private readonly opts: ControllerLinkOptions) {
    if (opts.urls.length === 0) throw new Error('ControllerLink needs at least one URL');
    this.backoff = new Backoff({
      minMs: opts.backoffMinMs ?? 500,
      maxMs: opts.backoffMaxMs ?? 30_000,
      jitter: 'full',
      random: opts.random,
    });
  }

  /** The URL the link is connected to, or will try next. */
  get url(): string {
    return this.opts.urls[this.urlIndex]!;
  }

  /** True once the controller welcomed this connection. */
  get ready(): boolean {
    return this.phase === 'ready';
  }

  start(): void {
    if (this.phase !== 'idle' || this.stopping) return;
    this.connect();
  }

  /** Send every buffered batch not yet sent on this connection; call after pushing a new batch. */
  flush(): void {
    if (this.phase !== 'ready' || !this.ws) return;
    this.checkAckTimeout();
    if (this.phase !== 'ready') return;
    for (const b of this.opts.buffer.after(this.lastSentSeq)) this.sendBatch(b);
  }

  /** Resolves true when the controller acknowledged everything in the buffer, false after `timeoutMs`. */
  waitForAcks(timeoutMs: number): Promise<boolean> {
    if (this.opts.buffer.size === 0) return Promise.resolve(true);
    if (this.phase !== 'ready') return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.ackWaiters.push((acked) => {
        clearTimeout(t);
        resolve(acked);
      });
    });
  }

  /** Stop reconnecting and close the link with 1000 (normal closure). */
  async close(timeoutMs = 3000): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const ws = this.ws;
    if (!ws) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        ws.terminate();
        resolve();
      }, timeoutMs);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'agent stopping');
    });
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.stopping) return;
    this.phase = 'connecting';
    this.connects++;
    const pin = this.opts.pin;
    if (!pin) {
      this.open(null);
      return;
    }
    // Pinned: the TLS connection is made and its key checked first; the upgrade is written only on a checked socket.
    const u = new URL(this.url);
    connectPinned({ host: u.hostname, port: Number(u.port || 443), pin, timeoutMs: 15_000 }).then(
      (socket) => {
        if (this.stopping) socket.destroy();
        else this.open(socket);
      },
      (err: unknown) => {
        if (this.stopping) return;
        this.phase = 'idle';
        this.retry(
          err instanceof PinMismatchError ? `${err.message} (check CONTROLLER_PIN, or a man in the middle)` : errorMessage(err),
          err instanceof PinMismatchError,
          false,
        );
      },
    );
  }

  private open(socket: TLSSocket | null): void {
    const ws = new WebSocket(this.url, {
      ...(socket ? { createConnection: () => socket } : {}),
      headers: {
        Authorization: `Bearer ${this.opts.token}`,
        ...(this.opts.userAgent ? { 'User-Agent': this.opts.userAgent } : {}),
        ...claimHeader(this.opts.instanceClaim?.() ?? null),
      },
      handshakeTimeout: 15_000,
      maxPayload: MAX_INCOMING_BYTES,
      // Frames are small JSON; compression would cost a zlib context per connection for little gain.
      perMessageDeflate: false,
      followRedirects: false,
    });
    this.ws = ws;
    let lastError = '';
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data, isBinary) => this.onMessage(ws, data, isBinary));
    ws.on('pong', () => (this.pongPending = false));
    ws.on('error', (e) => (lastError = errorMessage(e)));
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString().slice(0, 200), lastError));
  }

  private onOpen(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.phase = 'hello';
    this.lastSentSeq = 0;
    this.awaitingAckSince = null;
    this.pongPending = false;
    this.send(ws, { ...this.opts.hello(), v: this.offeredVersion });
    this.welcomeTimer = setTimeout(() => {
      this.opts.logger.warn('controller sent no welcome; reconnecting');
      ws.terminate();
    }, this.opts.welcomeTimeoutMs ?? 15_000);
    this.pingTimer = setInterval(() => this.onPingTick(ws), this.opts.pingIntervalMs ?? 30_000);
  }

  private onPingTick(ws: WebSocket): void {
    if (ws !== this.ws) return;
    if (this.pongPending) {
      this.opts.logger.warn('controller did not answer a ping; reconnecting');
      ws.terminate();
      return;
    }
    this.checkAckTimeout();
    if (ws !== this.ws || ws.readyState !== WebSocket.OPEN) return;
    this.pongPending = true;
    ws.ping();
  }

  private checkAckTimeout(): void {
    const since = this.awaitingAckSince;
    if (since === null || !this.ws) return;
    const limit = this.opts.ackTimeoutMs();
    if (agentNow() - since > limit) {
      this.opts.logger.warn(`no ack from the controller for ${Math.round(limit / 1000)} s; reconnecting`);
      this.ws.terminate();
    }
  }

  private onMessage(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    if (ws !== this.ws) return;
    let parsed: unknown;
    try {
      if (isBinary) throw new Error('binary frame');
      parsed = JSON.parse(data.toString());
    } catch (e) {
      this.opts.logger.warn(`ignoring unreadable frame from the controller (${errorMessage(e)})`);
      return;
    }
    const r = ControllerMessageSchema.safeParse(parsed);
    if (!r.success) {
      const issue = r.error.issues[0];
      this.opts.logger.warn(`ignoring invalid frame from the controller: ${issue ? `${issue.path.join('.')} ${issue.message}` : 'invalid'}`);
      return;
    }
    const msg = r.data;
    if (msg.type === 'welcome') this.onWelcome(ws, msg);
    else if (msg.type === 'ack') this.onAck(msg.runId, msg.seq);
    else this.onPreparePause(ws, msg);
  }

  private onWelcome(ws: WebSocket, w: Welcome): void {
    if (this.phase !== 'hello') {
      this.opts.logger.debug('ignoring a second welcome');
      return;
    }
    if (this.welcomeTimer) clearTimeout(this.welcomeTimer);
    this.welcomeTimer = null;
    this.phase = 'ready';
    this.readySince = agentNow();
    this.version = Math.min(w.v, this.offeredVersion);
    if (this.version < HOST_ACTIVITY_VERSION && !this.olderControllerLogged) {
      this.olderControllerLogged = true;
      this.opts.logger.warn(
        `the controller speaks protocol ${w.v}: host activity and inhibitions are not sent to it (an inhibit does not keep this instance); upgrade the controller`,
      );
    }
    const via = this.opts.urls.length > 1 ? ` via ${this.url}` : '';
    if (this.failures > 0) this.opts.logger.info(`reconnected to the controller as ${w.instanceId}${via}`);
    else this.opts.logger.info(`connected to the controller as ${w.instanceId}${via}`);
    this.failures = 0;
    this.onAck(this.opts.runId, w.ackedSeq);
    this.lastSentSeq = Math.max(this.lastSentSeq, w.ackedSeq);
    this.opts.onWelcome?.(w);
    if (ws === this.ws) this.flush();
  }

  private onAck(runId: string, seq: number): void {
    if (runId !== this.opts.runId) {
      this.opts.logger.debug('ignoring an ack for another run');
      return;
    }
    this.opts.buffer.ack(runId, seq);
    if (seq > this.ackedSeq) this.ackedSeq = seq;
    this.awaitingAckSince = this.ackedSeq >= this.lastSentSeq ? null : agentNow();
    if (this.opts.buffer.size === 0) for (const w of this.ackWaiters.splice(0)) w(true);
  }

  private onPreparePause(ws: WebSocket, req: PreparePause): void {
    this.opts
      .onPreparePause(req)
      .then((result) => {
        // Answer on whatever link is up now: the controller matches the answer by requestId.
        const target = this.ws && this.phase !== 'connecting' ? this.ws : ws;
        if (target.readyState === WebSocket.OPEN) this.send(target, result);
        else this.opts.logger.warn(`prepare-pause ${req.requestId} finished while disconnected; the controller will ask again`);
      })
      .catch((e) => this.opts.logger.error(`prepare-pause ${req.requestId} failed`, e));
  }

  private sendBatch(b: Batch): void {
    const ws = this.ws!;
    // sentAt on every (re)send lets the controller correct clock skew; dropped is the count as of now.
    this.send(ws, { ...batchForVersion(b, this.version), sentAt: agentNow(), dropped: this.opts.buffer.dropped });
    this.lastSentSeq = b.seq;
    if (this.awaitingAckSince === null) this.awaitingAckSince = agentNow();
  }

  private send(ws: WebSocket, msg: object): void {
    ws.send(JSON.stringify(msg), (err) => {
      if (err) this.opts.logger.debug(`send failed: ${errorMessage(err)}`);
    });
  }

  private onClose(ws: WebSocket, code: number, reason: string, lastError: string): void {
    if (ws !== this.ws) return;
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.welcomeTimer) clearTimeout(this.welcomeTimer);
    this.pingTimer = this.welcomeTimer = null;
    const wasReady = this.phase === 'ready';
    if (this.phase === 'hello') {
      // Refused before the welcome: an older controller that does not know our hello's version gets the next lower.
      const lower = versionAfterHelloRefused(this.offeredVersion, code);
      if (lower !== this.offeredVersion) {
        this.opts.logger.info(`the controller refused protocol ${this.offeredVersion} (${reason}); offering ${lower}`);
        this.offeredVersion = lower;
        this.backoff.reset();
      }
    } else if (wasReady) this.offeredVersion = PROTOCOL_VERSION; // an upgraded controller is noticed at the next connect
    this.ws = null;
    this.phase = 'idle';
    for (const w of this.ackWaiters.splice(0)) w(false);
    if (this.stopping) return;
    let why = lastError || `closed (${code}${reason ? ` ${reason}` : ''})`;
    let slow = false;
    if (code === CloseCode.Unauthorized || /\b401\b/.test(lastError)) {
      why = `token rejected (${lastError || code}); check AGENT_TOKEN`;
      slow = true;
    } else if (/\b403\b/.test(lastError)) {
      // The controller says the token belongs to another instance than the one we find ourselves on.
      why = `refused: this agent token belongs to another instance (${lastError}); a state directory copied from another instance? restart the agent to enrol again`;
      slow = true;
    } else if (code === CloseCode.Superseded || /\b409\b/.test(lastError)) {
      // Another agent is connected with the same token (the controller keeps the first healthy one and warns its
      // operator); knocking again at once would only repeat the refusal.
      why = 'another agent is connected with this token (a second install, or a stolen token)';
      slow = true;
    }
    this.retry(why, slow, wasReady);
  }

  /**
   * Schedules the next connect: the longest delay when coming straight back cannot help (`slow`). With several URLs,
   * the next one unless this was a stable session (see the top of this file).
   */
  private retry(why: string, slow: boolean, wasReady: boolean): void {
    for (const w of this.ackWaiters.splice(0)) w(false);
    const stable = wasReady && agentNow() - this.readySince >= STABLE_SESSION_MS;
    if (stable) this.backoff.reset();
    let delay = this.backoff.next();
    if (slow) delay = this.opts.backoffMaxMs ?? 30_000;
    this.failures++;
    const several = this.opts.urls.length > 1;
    const failed = this.url;
    if (several && !stable) this.urlIndex = (this.urlIndex + 1) % this.opts.urls.length;
    const line = several
      ? `controller link down (${failed}): ${why}; trying ${this.url} in ${(delay / 1000).toFixed(1)} s`
      : `controller link down: ${why}; retrying in ${(delay / 1000).toFixed(1)} s`;
    if (this.failures === 1) this.opts.logger.warn(line);
    else this.opts.logger.debug(line);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}
