// Wires the controller together: config -> store -> ingest -> HTTP app -> one node HTTP server carrying both the
// Hono routes and the /agent WebSocket upgrades. `extend` lets the caller add the engine, its decision view,
// more routes and their shutdown before the server starts listening.
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Config } from './config/config';
import { createApp } from './http/app';
import type { RouteModule } from './http/app-context';
import type { DecisionView } from './http/decision-view';
import type { InstanceOperations } from './operations/instance-operations';
import { createIngest, type Ingest } from './ingest';
import type { Logger } from './log';
import { dbPath, openStore, startRetention, type Store } from './store';

export interface ServerParts {
  config: Config;
  store: Store;
  ingest: Ingest;
  logger: Logger;
}

export interface ServerExtension {
  decisionView?: DecisionView;
  routes?: RouteModule[];
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
  ingest?: { pingIntervalMs?: number; prepareGraceMs?: number; flushDelayMs?: number; maxBatch?: number; maxQueue?: number; statsLogIntervalMs?: number };
}

export interface RunningServer extends ServerParts {
  app: Hono;
  server: Server;
  host: string;
  port: number;
  /** http://host:port as bound (PORT=0 gives the real port). */
  url: string;
  /** Graceful: stop accepting, commit and ack what was received, close agents with 1001, close the database. */
  close(): Promise<void>;
}

export function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startServer(config: Config, opts: StartOptions): Promise<RunningServer> {
  const { logger } = opts;
  const now = opts.now ?? Date.now;
  const store = openStore(dbPath(config.dataDir), {
    retentionRawHours: config.retentionRawHours,
    retentionRollupDays: config.retentionRollupDays,
    logger,
  });
  let ingest: Ingest | null = null;
  let ext: ServerExtension = {};
  try {
    ingest = createIngest({ store, logger, now, ...opts.ingest });
    const parts: ServerParts = { config, store, ingest, logger };
    ext = (await opts.extend?.(parts)) ?? {};
    const app = createApp({
      store,
      adminToken: config.adminToken,
      logger,
      decisionView: ext.decisionView,
      ingest,
      now,
      // Three report or poll intervals without a sample: the instance has no live metric source.
      staleAfterMs: Math.max(config.agentSilentSec, 3 * config.checkIntervalSec) * 1000,
      routes: ext.routes,
      operations: ext.operations,
    });
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
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
      url: formatUrl(config.host, port),
      close: () =>
        (closing ??= (async () => {
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
