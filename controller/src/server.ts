// Wires the controller together: config -> store -> ingest -> HTTP app -> one node HTTP server carrying both the
// Hono routes and the /agent WebSocket upgrades. `extend` lets the caller add the engine, its decision view,
// more routes and their shutdown before the server starts listening.
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { createServer as createHttpsServer } from 'node:https';
import type { Config } from './config/config';
import { ensureAdminToken } from './http/admin-credential';
import { enrolRoutes } from './enrol/enrol-route';
import { createApp } from './http/app';
import type { RouteModule } from './http/app-context';
import type { DecisionView } from './http/decision-view';
import type { InstanceOperations } from './operations/instance-operations';
import { createIngest, type Ingest } from './ingest';
import type { Logger } from './log';
import { dbPath, openStore, startRetention, type Store } from './store';
import { DiskGuard } from './store/disk-guard';
import { ensureSelfSigned, loadCertificate, tlsFilesFor, watchCertificate } from './tls/certificate';

export interface ServerParts {
  config: Config;
  store: Store;
  ingest: Ingest;
  logger: Logger;
}

export interface ServerExtension {
  decisionView?: DecisionView;
  routes?: RouteModule[];
  /** The optimizer loop's health for /healthz. */
  loopHealth?: () => { ok: boolean };
  /** Resume/hold/release with providers and notifications (the daemon's). */
  operations?: InstanceOperations;
  /** Runs on shutdown after ingest has closed and before the database closes. */
  close?: () => void | Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  extend?: (parts: ServerParts) => ServerExtension | Promise<ServerExtension>;
  now?: () => number;
  /** Ingest tuning for tests and benches. */
  /** How often the TLS certificate files are polled for a renewal (default 5 s). */
  tlsWatchIntervalMs?: number;
  ingest?: {
    pingIntervalMs?: number;
    prepareGraceMs?: number;
    flushDelayMs?: number;
    maxBatch?: number;
    maxQueue?: number;
    statsLogIntervalMs?: number;
    tokenCheckIntervalMs?: number;
    probeTimeoutMs?: number;
    contestWindowMs?: number;
  };
}

export interface RunningServer extends ServerParts {
  app: Hono;
  server: Server;
  host: string;
  port: number;
  /** http(s)://host:port as bound (PORT=0 gives the real port). */
  url: string;
  /** sha256//... of the served TLS key (an agent's CONTROLLER_PIN), or null on plain HTTP. */
  tlsPin: string | null;
  /** Graceful: stop accepting, commit and ack what was received, close agents with 1001, close the database. */
  close(): Promise<void>;
}

export function formatUrl(host: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startServer(configIn: Config, opts: StartOptions): Promise<RunningServer> {
  const { logger } = opts;
  // /api/* always needs a credential: ADMIN_TOKEN, else the one kept in DATA_DIR (made at the first start).
  const config: Config = { ...configIn, adminToken: configIn.adminToken ?? ensureAdminToken(configIn.dataDir, logger) };
  const now = opts.now ?? Date.now;
  // TLS first: a public controller that cannot serve TLS must not start (it would answer plain HTTP).
  const tlsFiles = tlsFilesFor(config);
  if (tlsFiles?.selfSigned) await ensureSelfSigned(tlsFiles, logger);
  const certificate = tlsFiles === null ? null : await loadCertificate(tlsFiles);
  const store = openStore(dbPath(config.dataDir), {
    retentionRawHours: config.retentionRawHours,
    retentionRollupDays: config.retentionRollupDays,
    logger,
  });
  let ingest: Ingest | null = null;
  let ext: ServerExtension = {};
  try {
    const l = config.limits;
    const diskGuard = new DiskGuard({ dir: config.dataDir, minFreeMb: l.minFreeDiskMb, logger, now });
    store.sampleGate = () => diskGuard.refusal();
    ingest = createIngest({
      store,
      logger,
      now,
      trustProxy: config.trustProxy,
      limits: {
        diskGuard,
        maxConnections: l.maxAgentConnections,
        batchesPerSecond: l.agentBatchesPerSecond,
        batchBurst: l.agentBatchBurst,
        authFailuresPerMinute: l.authFailuresPerMinute,
      },
      ...opts.ingest,
    });
    const parts: ServerParts = { config, store, ingest, logger };
    ext = (await opts.extend?.(parts)) ?? {};
    const app = createApp({
      store,
      adminToken: config.adminToken,
      guard: { host: config.host, publicUrl: config.publicUrl, trustProxy: config.trustProxy },
      logger,
      decisionView: ext.decisionView,
      ingest,
      now,
      // Three report or poll intervals without a sample: the instance has no live metric source.
      staleAfterMs: Math.max(config.agentSilentSec, 3 * config.checkIntervalSec) * 1000,
      routes: [enrolRoutes({ trustProxy: config.trustProxy }), ...(ext.routes ?? [])],
      loopHealth: ext.loopHealth,
      operations: ext.operations,
    });
    // With a certificate the one port speaks TLS only: a plain-HTTP request fails the handshake and gets no answer.
    const server = (
      certificate === null
        ? createAdaptorServer({ fetch: app.fetch })
        : createAdaptorServer({ fetch: app.fetch, createServer: createHttpsServer, serverOptions: { cert: certificate.cert, key: certificate.key } })
    ) as Server;
    ingest.attach(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => logger.error('http server error', err));
    const port = (server.address() as AddressInfo).port;
    let stopWatching = () => {};
    if (certificate !== null && tlsFiles !== null) {
      logger.info(`serving HTTPS and WSS only; certificate ${tlsFiles.certFile}, key pin ${certificate.pin}`);
      // Failed handshakes (plain HTTP on this port, scanners) are closed without an answer; debug only, as they are noise.
      server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
        logger.debug(`TLS handshake from ${socket.remoteAddress ?? '?'} failed: ${err.message}`);
        socket.destroy();
      });
      stopWatching = watchCertificate(server as unknown as TlsServer, tlsFiles, certificate, logger, opts.tlsWatchIntervalMs);
    }
    const retention = startRetention(store, logger, { now });
    const running = ingest;
    const extension = ext;
    let closing: Promise<void> | null = null;
    return {
      ...parts,
      app,
      server,
      host: config.host,
      port,
      url: formatUrl(config.host, port, certificate === null ? 'http' : 'https'),
      tlsPin: certificate?.pin ?? null,
      close: () =>
        (closing ??= (async () => {
          stopWatching();
          retention.stop();
          const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          await running.close();
          await extension.close?.();
          server.closeAllConnections();
          await httpClosed;
          store.close();
        })()),
    };
  } catch (err) {
    // Start-up failed (port in use, extension error): undo what was started, then report.
    if (ingest !== null) await ingest.close(100).catch((e) => logger.error('closing ingest after failed start-up', e));
    await Promise.resolve(ext.close?.()).catch((e) => logger.error('closing extension after failed start-up', e));
    store.close();
    throw err;
  }
}
