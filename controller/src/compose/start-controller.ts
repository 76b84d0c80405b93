// The composition root of a running controller (`serve`, `demo`, the in-process tests and benches). In order:
//   1. admin credential and TLS      4. providers                    7. HTTP app, one port (API, dashboard, /agent)
//   2. store (+ disk floor)          5. optimizer (the cycle)        8. the loop, its watchdog, retention, digest
//   3. ingest (agents' samples)      6. views, operations, metrics
// Everything a test or the demo replaces is an explicit override; shutdown runs in reverse.
import type { Hono } from 'hono';
import type { Server } from 'node:http';
import type { Config } from '../config/config';
import { createEngineView } from '../views/engine-view';
import { controllerMetrics } from '../web/controller-metrics';
import { webRoutes } from '../web/web-routes';
import { startDigestJob } from '../notify/digest-job';
import { startLoopWatchdog } from '../optimizer/loop-watchdog';
import { enrolRoutes } from '../enrol/enrol-route';
import { ensureAdminToken } from '../http/admin-credential';
import { createApp } from '../http/app';
import { createIngest, type Ingest, type IngestOptions } from '../ingest';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import type { Notifier } from '../notify/webhook-notifier';
import { plainNotice } from '../notify/messages';
import { applyDirectoryFile } from '../owners/directory-file';
import { InstanceOperations } from '../operations/instance-operations';
import { CostOptimizer } from './cost-optimizer';
import { LoopHealth } from '../optimizer/loop-health';
import { createProvidersFromConfig } from '../providers';
import type { Provider } from '../providers/provider';
import type { SshPoller } from '../ssh';
import { startRetention, type Store } from '../store';
import { DiskGuard } from '../store/disk-guard';
import { ensureSelfSigned, loadCertificate, tlsFilesFor } from '../tls/certificate';
import { Leadership, processHolderId } from '../replicas/leadership';
import { listen } from './http-listener';
import { openControllerStore } from './open-store';

export interface ControllerOverrides {
  logger: Logger;
  now?: () => number;
  /** Providers to use instead of those the config names (the demo passes its fakes; [] for none). */
  providers?: Provider[];
  notifier?: Notifier;
  /** The SSH fallback; null turns it off. Default: from the config. */
  sshPoller?: SshPoller | null;
  /** Executor tuning (the demo and tests shorten verification). */
  executor?: { verifyAttempts?: number; verifyDelayMs?: number };
  /** Start the cycle loop (default true); `false` leaves cycles to the caller (`optimizer.runOnce()`). */
  loop?: boolean;
  /** What the loop watchdog does when LOOP_WATCHDOG_SECONDS pass without a cycle; default: only its log line. */
  onLoopStall?: () => void;
  /** Dashboard refresh period. */
  refreshSeconds?: number;
  /** How often the TLS certificate files are polled for a renewal (default 5 s). */
  tlsWatchIntervalMs?: number;
  /** Ingest tuning for tests and benches. */
  ingest?: Partial<
    Pick<
      IngestOptions,
      | 'pingIntervalMs'
      | 'prepareGraceMs'
      | 'flushDelayMs'
      | 'maxBatch'
      | 'maxQueue'
      | 'statsLogIntervalMs'
      | 'tokenCheckIntervalMs'
      | 'probeTimeoutMs'
      | 'contestWindowMs'
    >
  >;
}

export interface RunningController {
  config: Config;
  logger: Logger;
  store: Store;
  ingest: Ingest;
  optimizer: CostOptimizer;
  metrics: Metrics;
  app: Hono;
  server: Server;
  host: string;
  port: number;
  /** http(s)://host:port as bound (PORT=0 gives the real port). */
  url: string;
  /** sha256//... of the served TLS key (an agent's CONTROLLER_PIN), or null on plain HTTP. */
  tlsPin: string | null;
  /** Applies DIRECTORY_FILE again (SIGHUP); returns its error lines. */
  reloadDirectory(): string[];
  /** Graceful: stop accepting, commit and ack what was received, close agents with 1001, stop the loop, close the database. */
  close(): Promise<void>;
}

export function formatUrl(host: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startController(configIn: Config, o: ControllerOverrides): Promise<RunningController> {
  const { logger } = o;
  const now = o.now ?? Date.now;
  // 1. /api/* always needs a credential: ADMIN_TOKEN, else the one kept in DATA_DIR (made at the first start). TLS
  //    before anything listens: a public controller that cannot serve TLS must not start (it would answer plain HTTP).
  const config: Config = { ...configIn, adminToken: configIn.adminToken ?? ensureAdminToken(configIn.dataDir, logger) };
  const tlsFiles = tlsFilesFor(config);
  if (tlsFiles?.selfSigned) await ensureSelfSigned(tlsFiles, logger);
  const certificate = tlsFiles === null ? null : await loadCertificate(tlsFiles);

  // This process's name in the lease and the agent sessions: REPLICA_ID plus a random suffix (replicas/leadership.ts).
  const holderId = processHolderId(config.replicaId);

  // 2. The store, refusing new samples when the disk is nearly full.
  const store = openControllerStore(config, logger);
  const undo: (() => Promise<void> | void)[] = [() => store.close()];
  try {
    const l = config.limits;
    const diskGuard = new DiskGuard({ dir: config.dataDir, minFreeMb: l.minFreeDiskMb, logger, now });
    store.sampleGate = () => diskGuard.refusal();
    // The declared owners and teams (docs/owners.md): applied now, and again on reloadDirectory() (serve's SIGHUP).
    const reloadDirectory = () => (config.directoryFile === null ? [] : applyDirectoryFile(store, config.directoryFile, logger, now()));
    reloadDirectory();

    // 3. Ingest: the agents' WebSocket endpoint, writing samples to the store.
    const ingest = createIngest({
      store,
      logger,
      now,
      trustProxy: config.trustProxy,
      replicaId: holderId,
      limits: {
        diskGuard,
        maxConnections: l.maxAgentConnections,
        batchesPerSecond: l.agentBatchesPerSecond,
        batchBurst: l.agentBatchBurst,
        authFailuresPerMinute: l.authFailuresPerMinute,
        samplesPerHour: l.agentSamplesPerHour,
        maxGpusPerSample: l.maxGpusPerSample,
      },
      ...o.ingest,
    });
    undo.unshift(() => ingest.close(100));

    // 4. Providers: those the config names, or the caller's.
    const providers = o.providers ?? (await createProvidersFromConfig(config, logger));

    // 5. The optimizer: its cycle asks the ingest for checkpoints and contested instances. With replicas on one
    //    PostgreSQL only the holder of the leader lease cycles and acts (docs/scale-out.md); alone, this one always.
    const health = new LoopHealth(
      config.checkIntervalSec,
      providers.map((p) => p.name),
      Date.now,
      () => leadership.role === 'follower',
    );
    // /healthz counts a replica that takes the lead (a failover, the database back) from then (docs/health.md): told
    // here, since while the database is down nothing asks the loop whether it follows.
    const leadership = new Leadership({
      store,
      replicaId: config.replicaId,
      holderId,
      leaseSec: config.leaderLeaseSec,
      logger,
      onChange: (role) => {
        if (role === 'leader') health.becameLeader();
      },
    });
    leadership.start();
    undo.unshift(() => leadership.stop());
    const metrics = controllerMetrics({ store, ingest, config, now, leadership });
    const optimizer = new CostOptimizer(config, {
      store,
      logger,
      now,
      metrics,
      notifier: o.notifier,
      sshPoller: o.sshPoller,
      executor: o.executor,
      retention: false,
      onCycle: (report) => health.cycleFinished(report),
      checkpoint: async (id, timeoutMs) => {
        const local = await ingest.requestPreparePause(id, timeoutMs);
        if (local !== null || !store.shared) return local;
        // Its agent may be connected to another replica, which cannot be asked from here to run its checkpoint hook:
        // with a hook configured, the pause waits (fails closed) rather than going ahead without it.
        if (store.getInstance(id)?.agentFacts?.hello?.checkpointConfigured !== true) return null;
        return {
          v: 1,
          type: 'prepare-pause-result',
          requestId: 'other-replica',
          outcome: 'failed',
          exitCode: null,
          durationMs: 0,
          output: 'the agent is connected to another replica; its checkpoint hook cannot be run from this one',
        };
      },
      // One voice per instance across replicas: a contest seen on any of them (read back each cycle) counts here.
      contested: (id) => {
        const here = ingest.contested(id);
        const shared = store.contests?.get(id) ?? null;
        return shared === null || (here !== null && here.until >= shared.until) ? here : shared;
      },
      leadership,
    });
    undo.unshift(() => optimizer.close());
    for (const p of providers) optimizer.addProvider(p.name, p);
    // One voice per instance: a competing agent connection is a notification as well as the WARN line ingest logs.
    ingest.onContest((_id, _contest, text) => optimizer.notify(plainNotice(':rotating_light:', text)));

    // 6. What the API shows and does: the cycle's decisions, operator acts (which make the view decide afresh).
    const view = createEngineView({ ...optimizer.cycle.deps, last: optimizer.cycle.last });
    const operations = new InstanceOperations({
      store,
      logger,
      now,
      provider: (name) => providers.find((p) => p.name === name),
      notifier: optimizer.notifications,
      publicUrl: config.publicUrl,
      changed: (id) => optimizer.cycle.last.forget(id),
    });

    // 7. The HTTP app on one port.
    const app = createApp({
      store,
      adminToken: config.adminToken,
      guard: { host: config.host, publicUrl: config.publicUrl, trustProxy: config.trustProxy },
      logger,
      decisionView: view,
      ingest,
      now,
      // Three report or poll intervals without a sample: the instance has no live metric source.
      staleAfterMs: Math.max(config.agentSilentSec, 3 * config.checkIntervalSec) * 1000,
      routes: [enrolRoutes({ trustProxy: config.trustProxy }), ...webRoutes({ config, logger, metrics, refreshSeconds: o.refreshSeconds })],
      loopHealth: () => {
        const snap = { ...health.snapshot(), role: leadership.role, replica: leadership.replica };
        if (leadership.role === 'leader') return snap;
        const leader = leadership.leader();
        return { ...snap, leader: { replica: leader.replica, lastCycleAt: leader.lastCycleAt === null ? null : new Date(leader.lastCycleAt).toISOString() } };
      },
      operations,
    });
    const http = await listen(app, ingest, {
      host: config.host,
      port: config.port,
      tls: certificate === null || tlsFiles === null ? null : { files: tlsFiles, certificate },
      logger,
      tlsWatchIntervalMs: o.tlsWatchIntervalMs,
      timeouts: { headersSec: l.httpHeadersTimeoutSec, idleSec: l.httpIdleTimeoutSec, handshakeSec: l.tlsHandshakeTimeoutSec },
      maxUnauthenticatedSockets: l.maxUnauthenticatedSockets,
    });
    undo.unshift(() => {
      http.stopWatching();
      const closed = new Promise<void>((resolve) => http.server.close(() => resolve()));
      http.server.closeAllConnections();
      return closed;
    });

    // 8. Background work: retention, the daily digest, the loop and its watchdog.
    // One replica rolls samples up and sends the digest: the leader (two would count the same rows twice).
    const leading = () => leadership.role === 'leader';
    const retention = startRetention(store, logger, { now, when: leading });
    const stopDigest =
      config.digestHourUtc === null
        ? () => {}
        : startDigestJob({
            store,
            notifier: optimizer.notifications,
            logger,
            hourUtc: config.digestHourUtc,
            publicUrl: config.publicUrl,
            deleteSavingsHorizonDays: config.deleteSavingsHorizonDays,
            now,
            when: leading,
          });
    const stopLoop = new AbortController();
    const loop = o.loop === false ? Promise.resolve() : optimizer.run(stopLoop.signal);
    const watchdog =
      o.loop === false || config.loopWatchdogSec === 0
        ? null
        : startLoopWatchdog({ health, limitSec: config.loopWatchdogSec, logger, onStall: o.onLoopStall ?? (() => undefined) });

    let closing: Promise<void> | null = null;
    return {
      config,
      logger,
      store,
      ingest,
      optimizer,
      metrics,
      app,
      server: http.server,
      host: config.host,
      port: http.port,
      url: formatUrl(config.host, http.port, certificate === null ? 'http' : 'https'),
      tlsPin: certificate?.pin ?? null,
      reloadDirectory,
      close: () =>
        (closing ??= (async () => {
          http.stopWatching();
          retention.stop();
          const httpClosed = new Promise<void>((resolve) => http.server.close(() => resolve()));
          http.server.closeIdleConnections();
          await ingest.close();
          watchdog?.stop();
          stopDigest();
          stopLoop.abort();
          await loop;
          await optimizer.close();
          leadership.stop();
          http.server.closeAllConnections();
          await httpClosed;
          store.close();
        })()),
    };
  } catch (err) {
    // Start-up failed (port in use, a provider's set-up): undo what was started, newest first, then report.
    for (const step of undo) await Promise.resolve(step()).catch((e: unknown) => logger.error('undoing a failed start-up', e));
    throw err;
  }
}
