// The agent endpoint: WebSocket upgrades on /agent of the node HTTP server that also serves Hono. The bearer token
// is checked BEFORE the upgrade is accepted (plain HTTP 401 otherwise) and alone decides the instance. Keeps one
// live connection per instance (voice-arbiter.ts: the first healthy one keeps it, a competing one is refused with 409
// and the instance marked contested), pings to find dead sockets, and exposes what the engine and status need.
import type { IncomingMessage, Server } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { CloseCode, MAX_FRAME_BYTES, type PreparePauseResult } from '../../../protocol';
import { bearerToken } from '../http-shared/bearer-token';
import { forwardedClient } from '../http-shared/client-address';
import type { Logger } from '../log';
import type { Store } from '../store';
import type { TokenGrant } from '../store/tokens-repo';
import { AgentConnection, type AgentConnectionInfo } from './agent-connection';
import { BatchWriter, type WriterStats } from './batch-writer';
import { IngestLimits, type IngestLimitOptions } from './ingest-limits';
import { type IngestCounters, LatencyWindow, newCounters } from './ingest-stats';
import { type Contest, VoiceArbiter, type VoiceArbiterOptions } from './voice-arbiter';
import { ReplicaSessions } from './replica-sessions';
import { AGENT_PATH } from '../http-shared/route-table';

/** Header in which an agent names the instance it finds itself on (`vast:123`), beside its token. */
export const INSTANCE_HEADER = 'x-cost-optimizer-instance';

function claimedInstance(v: string | string[] | undefined): string | null {
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined) return null;
  const t = s.trim();
  return /^(vast|tensordock|gcp|manual):[^\s]{1,256}$/.test(t) ? t : null;
}

const PING_SLOTS = 10;

export interface IngestOptions {
  store: Store;
  logger: Logger;
  /** How often each socket is pinged; one that has not answered (or sent anything) by its next ping is dropped. Default 30 s. */
  pingIntervalMs?: number;
  /** Extra wait for a prepare-pause answer beyond the hook's own timeout (transport, agent start-up). Default 5 s. */
  prepareGraceMs?: number;
  /** Writer tuning (see BatchWriter). */
  flushDelayMs?: number;
  maxBatch?: number;
  maxQueue?: number;
  /** Settings the welcome asks agents to use. */
  welcomeConfig?: { reportIntervalMs?: number };
  /** Auth, connection, batch-rate and disk limits (ingest-limits.ts). */
  limits?: IngestLimitOptions;
  /** How often live connections' tokens are re-checked when tokens changed (revoke, another process) and for expiry. Default 1 s. */
  tokenCheckIntervalMs?: number;
  /** TRUST_PROXY: the client address is the last X-Forwarded-For entry (for auth limits and messages). */
  trustProxy?: boolean;
  /** How often a one-line ingest summary is logged (info); 0 turns it off. Default 60 s. */
  statsLogIntervalMs?: number;
  /** One voice per instance: how long a connected agent has to answer before a newcomer replaces it. Default 5 s. */
  probeTimeoutMs?: number;
  /** How long an instance stays contested (never idle) after a competing connection. Default 10 min. */
  contestWindowMs?: number;
  /** REPLICA_ID: with several replicas on one PostgreSQL, one voice per instance holds across them. */
  replicaId?: string;
  now?: () => number;
}

export interface IngestStats extends IngestCounters {
  connected: number;
  writer: WriterStats;
}

export interface Ingest {
  /** Handles an HTTP upgrade request; call from the server's 'upgrade' event. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Registers handleUpgrade on a server. */
  attach(server: Server): void;
  /** Asks the instance's agent to run its checkpoint hook; null when it is not connected or does not answer in time. */
  requestPreparePause(instanceId: string, timeoutMs: number): Promise<PreparePauseResult | null>;
  isConnected(instanceId: string): boolean;
  connection(instanceId: string): AgentConnectionInfo | null;
  connections(): AgentConnectionInfo[];
  /** Two agents competed for this instance recently (see voice-arbiter.ts); null when not. */
  contested(instanceId: string): Contest | null;
  /** Marks the instance contested because an enrolment claim came for it while it has an agent (WARN + notification once per episode). */
  markContested(instanceId: string, addresses: readonly string[], what: string): void;
  /** Who is told about a new contest (once per episode; the WARN line is logged anyway): the daemon's notifier. */
  onContest(listener: VoiceArbiterOptions['onContest']): void;
  stats(): IngestStats;
  /** Commits what is queued (acks go out), then closes every socket with 1001 going away. */
  close(timeoutMs?: number): Promise<void>;
}

function refuse(socket: Duplex, status: number, text: string, body: object): void {
  const payload = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\n` + `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
  );
}

export function createIngest(opts: IngestOptions): Ingest {
  const { store, logger } = opts;
  const now = opts.now ?? Date.now;
  const pingIntervalMs = opts.pingIntervalMs ?? 30_000;
  const prepareGraceMs = opts.prepareGraceMs ?? 5_000;
  if (!(pingIntervalMs > 0) || !(prepareGraceMs >= 0)) throw new Error('createIngest: pingIntervalMs must be > 0 and prepareGraceMs >= 0');
  const counters = newCounters();
  const ackLatency = new LatencyWindow();
  const limits = new IngestLimits(opts.limits ?? {}, logger, now);
  const writer = new BatchWriter({
    store,
    logger,
    flushDelayMs: opts.flushDelayMs,
    maxBatch: opts.maxBatch,
    maxQueue: opts.maxQueue,
    now,
    admit: (id) => limits.batchRefusal(id),
    // Backpressure: an agent over its share of the queue is not read from until its batches are committed.
    onBacklog: (id, over) => {
      const ws = live.get(id)?.ws;
      if (ws === undefined) return;
      if (over) ws.pause();
      else ws.resume();
    },
  });
  // maxPayload: ws closes with 1009 (message too big) before buffering more than this.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, clientTracking: false, perMessageDeflate: false });
  const live = new Map<string, AgentConnection>();
  const all = new Set<AgentConnection>();
  /** The token each connection came in with (its hash and expiry), re-checked while it lives. */
  const grants = new Map<AgentConnection, TokenGrant>();
  let closing = false;
  const deps = { store, writer, logger, counters, ackLatency, now, welcomeConfig: opts.welcomeConfig ?? {}, maxGpusPerSample: opts.limits?.maxGpusPerSample };
  const arbiter = new VoiceArbiter({
    logger,
    now,
    probeTimeoutMs: opts.probeTimeoutMs,
    contestWindowMs: opts.contestWindowMs,
    // Replicas: a contest seen here must veto on whichever replica leads.
    onMark: store.contests === null ? undefined : (id, c) => store.contests!.record(id, c),
  });
  const sessions = store.sessions === null ? null : new ReplicaSessions(store.sessions, opts.replicaId ?? 'replica', logger, now);

  // One line a minute saying how ingest keeps up: receive-to-ack latency is measured here, event-loop delay tells
  // whether the process itself (or the machine) is the bottleneck.
  const statsEvery = opts.statsLogIntervalMs ?? 60_000;
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  let statsTimer: NodeJS.Timeout | null = null;
  if (statsEvery > 0) {
    loopDelay.enable();
    let lastBatches = 0;
    let lastAt = now();
    statsTimer = setInterval(() => {
      const b = counters.batches;
      const total = b.inserted + b.duplicate + b.expired + b.rejected;
      const t = now();
      const rate = ((total - lastBatches) * 1000) / Math.max(1, t - lastAt);
      lastBatches = total;
      lastAt = t;
      const lat = ackLatency.take();
      const ms = (v: number | null) => (v === null ? '-' : v.toFixed(1));
      logger.info(
        `ingest: ${live.size} agents, ${rate.toFixed(1)} batches/s (${b.inserted} stored, ${b.duplicate} replays, ${b.rejected} refused in total), ` +
          `receive-to-ack p50 ${ms(lat.p50)} ms p99 ${ms(lat.p99)} ms max ${ms(lat.max)} ms, event-loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, ` +
          `write queue ${writer.queued}, bad frames ${counters.badFrames}, refused upgrades ${counters.authFailures}`,
      );
      loopDelay.reset();
    }, statsEvery);
    statsTimer.unref();
  }

  // Revocation that bites: when tokens may have changed (a revoke here, or any commit by another process such as
  // `cost-optimizer token revoke`: SQLite's data_version), every live connection's token is looked up again; an
  // expired one is closed on the first tick after its expiry. A tick with no change costs one PRAGMA.
  let tokenEpoch: string | null = null;
  const tokenCheck = setInterval(() => {
    limits.sweep();
    let epoch: string;
    try {
      epoch = store.tokenEpoch();
    } catch (err) {
      logger.error('token re-check failed', err);
      return;
    }
    const changed = epoch !== tokenEpoch;
    tokenEpoch = epoch;
    sessions?.heartbeat(live.keys());
    const t = now();
    for (const [conn, g] of grants) {
      let why: string | null = null;
      if (g.expiresAt !== null && g.expiresAt <= t) why = 'token expired';
      else if (changed) {
        try {
          if (store.tokenGrantByHash(g.hash, t) === null) why = 'token revoked';
        } catch (err) {
          logger.error(`re-checking the token of agent ${conn.instanceId} failed`, err);
        }
      }
      if (why === null) continue;
      grants.delete(conn);
      logger.warn(`agent ${conn.instanceId} (${conn.remoteAddress}): ${why}; closing its connection`);
      conn.close(CloseCode.Unauthorized, why);
    }
  }, opts.tokenCheckIntervalMs ?? 1_000);
  tokenCheck.unref();

  // Pings are spread over PING_SLOTS ticks per interval (each connection in one slot) so 10,000 sockets never get
  // their pings, and send their pongs, in one burst.
  const slots: Set<AgentConnection>[] = Array.from({ length: PING_SLOTS }, () => new Set());
  let nextSlot = 0;
  let tick = 0;
  const pinger = setInterval(() => {
    for (const c of slots[tick++ % PING_SLOTS]!) {
      if (!c.alive) {
        logger.warn(`agent ${c.instanceId} (${c.remoteAddress}) stopped answering pings; dropping the connection`);
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch (err) {
        logger.warn(`ping to agent ${c.instanceId} failed: ${(err as Error).message}`);
      }
    }
  }, pingIntervalMs / PING_SLOTS);
  pinger.unref();

  function accept(ws: WebSocket, grant: TokenGrant, remote: string): void {
    const instanceId = grant.instanceId;
    const conn = new AgentConnection(ws, instanceId, remote, deps);
    all.add(conn);
    grants.set(conn, grant);
    const slot = slots[nextSlot++ % PING_SLOTS]!;
    slot.add(conn);
    const previous = live.get(instanceId);
    live.set(instanceId, conn);
    if (previous !== undefined) {
      // The arbiter found it dead (or it closed meanwhile): drop it without a goodbye it would not answer.
      logger.info(`agent ${instanceId}: new connection from ${remote} replaces the dead one from ${previous.remoteAddress}`);
      previous.ws.terminate();
    }
    ws.on('close', (code, reason) => {
      all.delete(conn);
      grants.delete(conn);
      slot.delete(conn);
      conn.onClosed();
      if (live.get(instanceId) === conn) {
        live.delete(instanceId);
        sessions?.release(instanceId);
      }
      logger.info(`agent disconnected: ${instanceId} (${code}${reason.length > 0 ? ' ' + reason.toString('utf8') : ''})`);
    });
  }

  /**
   * A revoked or superseded token of `instanceId` knocked: some host still holds a token the controller no longer
   * honours (an operator revoke, or an enrolment grant that replaced it, e.g. a neighbour on a shared address claimed
   * the instance). That is two voices for one instance: a contest, with the addresses of both.
   */
  function supersededKnock(instanceId: string, remote: string): void {
    const holder = live.get(instanceId);
    const addresses = holder === undefined ? [remote] : [holder.remoteAddress, remote];
    arbiter.mark(
      instanceId,
      addresses,
      `a revoked or superseded token of this instance knocked from ${remote}${holder === undefined ? '' : ` while the agent from ${holder.remoteAddress} holds its current token`}`,
      'stale-token',
    );
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => logger.debug(`upgrade socket error: ${err.message}`));
    const forwardedFor = opts.trustProxy === true ? forwardedClient(req.headers['x-forwarded-for']) : undefined;
    const remote =
      forwardedFor != null ? `${forwardedFor} (via ${req.socket.remoteAddress ?? '?'})` : `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      path = '';
    }
    if (path !== AGENT_PATH) return refuse(socket, 404, 'Not Found', { error: 'not found' });
    if (closing) return refuse(socket, 503, 'Service Unavailable', { error: 'shutting down' });
    // Behind a trusted proxy every agent arrives from the proxy: limits and messages use the client it forwarded.
    const address = forwardedFor ?? req.socket.remoteAddress ?? '?';
    void limits.authBlocked(address).then(
      (blocked) => authorize(req, socket, head, remote, address, blocked),
      (err: unknown) => {
        logger.error('auth rate limiter failed', err);
        refuse(socket, 503, 'Service Unavailable', { error: 'try again later' });
      },
    );
  }

  /** Pairs (token's instance, claimed instance) already logged: one WARN each, not one per retry. */
  const identityWarned = new Set<string>();

  function authorize(req: IncomingMessage, socket: Duplex, head: Buffer, remote: string, address: string, blocked: boolean): void {
    if (socket.destroyed) return;
    if (closing) return refuse(socket, 503, 'Service Unavailable', { error: 'shutting down' });
    if (all.size >= limits.maxConnections) {
      return refuse(socket, 503, 'Service Unavailable', { error: `connection limit reached (${limits.maxConnections}); retry later` });
    }
    // The token is looked up even for an address over its failure allowance: the limit throttles failures, never a
    // valid token (several instances share one address; a neighbour's flood must not lock an agent out). A malformed
    // token costs a regex, a well-formed one a hash and one indexed read.
    const token = bearerToken(req.headers.authorization);
    let grant: TokenGrant | null = null;
    let revokedFor: string | null = null;
    try {
      grant = token === null ? null : store.tokenGrant(token, now());
      if (grant === null && token !== null) revokedFor = store.revokedTokenInstance(token);
    } catch (err) {
      logger.error('token lookup failed', err);
      return refuse(socket, 503, 'Service Unavailable', { error: 'database unavailable' });
    }
    if (grant === null) {
      counters.authFailures++;
      if (revokedFor !== null) supersededKnock(revokedFor, remote);
      limits.authFailed(address, token === null ? 'no bearer token' : 'unknown, revoked or expired token');
      if (blocked) return refuse(socket, 429, 'Too Many Requests', { error: 'too many failed attempts from this address; wait a minute' });
      return refuse(socket, 401, 'Unauthorized', { error: 'unauthorized: send Authorization: Bearer <agent token>' });
    }
    const id = grant.instanceId;
    const g = grant;
    // A kept token belongs to its instance: an agent that says it runs elsewhere (a committed image, a copied disk or
    // state directory, a template) is refused here, before the one-voice rule, so the rightful agent's instance is
    // never marked contested by it. Said once per claimed instance.
    const claimed = claimedInstance(req.headers[INSTANCE_HEADER]);
    if (claimed !== null && claimed !== id) {
      const key = `${id} ${claimed}`;
      if (!identityWarned.has(key)) {
        if (identityWarned.size >= 10_000) identityWarned.clear();
        identityWarned.add(key);
        logger.warn(
          `agent from ${remote} holds the token of ${id} but says it runs on ${claimed} (a copied state directory, disk or image?): refused; it must enrol as ${claimed}`,
        );
      }
      return refuse(socket, 403, 'Forbidden', {
        error: `this token belongs to ${id}, not to ${claimed}: a token kept on another instance (copied AGENT_STATE_DIR, disk or image); enrol again`,
      });
    }
    const holder = live.get(id);
    const elsewhere = holder === undefined ? (sessions?.claim(id, remote) ?? null) : null;
    if (elsewhere !== null) {
      // Refused either way; a contest only once the holder proved alive (not the agent of a replica that just died).
      if (elsewhere.holderAlive)
        arbiter.mark(id, [elsewhere.line, remote], `a second agent from ${remote} tried to connect while ${elsewhere.line} is connected`);
      return refuse(socket, 409, 'Conflict', {
        error: 'another agent is connected for this instance on another replica; one agent per instance (retry later)',
      });
    }
    arbiter
      .admit(id, holder, remote)
      .then((verdict) => {
        if (socket.destroyed) return;
        if (closing) return refuse(socket, 503, 'Service Unavailable', { error: 'shutting down' });
        if (!verdict.admit) return refuse(socket, 409, 'Conflict', { error: `${verdict.reason}; one agent per instance (retry later)` });
        // Another newcomer may have been admitted while this one waited for the probe; only a dead holder goes.
        const current = live.get(id);
        if (current !== undefined && current !== verdict.replaced && current.isOpen) {
          arbiter.mark(id, [current.remoteAddress, remote], `a second agent from ${remote} connected right after the one from ${current.remoteAddress}`);
          return refuse(socket, 409, 'Conflict', { error: 'another agent is connected for this instance; one agent per instance (retry later)' });
        }
        wss.handleUpgrade(req, socket, head, (ws) => accept(ws, g, remote));
      })
      .catch((err: unknown) => {
        logger.error(`admitting agent ${id} from ${remote}`, err);
        if (!socket.destroyed) refuse(socket, 503, 'Service Unavailable', { error: 'server error; retry later' });
      });
  }

  return {
    handleUpgrade,
    attach(server) {
      server.on('upgrade', handleUpgrade);
    },
    requestPreparePause(instanceId, timeoutMs) {
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 3_600_000) {
        return Promise.reject(new RangeError('timeoutMs must be a whole number of ms between 1 and 3600000'));
      }
      const conn = live.get(instanceId);
      if (conn === undefined) return Promise.resolve(null);
      return conn.preparePause(timeoutMs, timeoutMs + prepareGraceMs);
    },
    isConnected: (id) => live.get(id)?.isOpen ?? false,
    connection: (id) => live.get(id)?.info() ?? null,
    connections: () => [...live.values()].map((c) => c.info()),
    contested: (id) => arbiter.contested(id),
    onContest: (listener) => arbiter.setContestListener(listener),
    markContested: (id, addresses, what) => void arbiter.mark(id, addresses, what, 'claim'),
    stats: () => ({ ...counters, batches: { ...counters.batches }, connected: live.size, writer: writer.stats() }),
    async close(timeoutMs = 5_000) {
      if (closing) return;
      closing = true;
      clearInterval(pinger);
      clearInterval(tokenCheck);
      if (statsTimer !== null) clearInterval(statsTimer);
      loopDelay.disable();
      // Everything already received is committed and acknowledged before the sockets go.
      writer.close();
      const sockets = [...all];
      const closed = Promise.all(
        sockets.map((c) => new Promise<void>((resolve) => (c.ws.readyState === c.ws.CLOSED ? resolve() : c.ws.once('close', () => resolve())))),
      );
      for (const c of sockets) c.close(CloseCode.GoingAway, 'server shutting down');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      for (const c of all) c.ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
