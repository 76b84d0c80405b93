// Everything `serve` adds to the HTTP server: providers, the optimizer loop, the engine's view for the API, the
// dashboard, /metrics and the install routes; stopped in order on shutdown.
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { Provider } from '../providers/provider';
import { createProvidersFromConfig } from '../providers';
import { installRoutes } from '../http/install-routes';
import { Metrics } from '../metrics/metrics';
import { CostOptimizer } from '../optimizer/cost-optimizer';
import type { ServerExtension, ServerParts } from '../server';
import { type Notifier, plainNotice } from '../notify/webhook-notifier';
import type { SshPoller } from '../ssh';
import { browserAuth } from './browser-auth';
import { dashboardRoute } from './dashboard-route';
import { CsrfTokens, dashboardActionRoutes } from './dashboard-actions';
import { InstanceOperations } from '../operations/instance-operations';
import { startDigestJob } from './digest-job';
import { instancePolicy, policyLines } from '../engine';
import { createEngineView } from './engine-view';
import { metricsRoute } from './metrics-route';
import { LoopHealth } from '../optimizer/loop-health';
import { startLoopWatchdog } from './loop-watchdog';
import { savingsFromStore } from './savings-view';

export interface DaemonOptions {
  /** Providers to use instead of those the config names (the demo passes its fakes). */
  providers?: Provider[];
  now?: () => number;
  notifier?: Notifier;
  sshPoller?: SshPoller | null;
  /** Dashboard refresh period. */
  refreshSeconds?: number;
  /** Executor tuning (the demo and tests shorten verification). */
  executor?: { verifyAttempts?: number; verifyDelayMs?: number };
  /** Start the cycle loop (default true); `false` leaves cycles to the caller. */
  loop?: boolean;
  /** What the loop watchdog does when LOOP_WATCHDOG_SECONDS pass without a cycle; default: only its log line. */
  onLoopStall?: () => void;
}

export interface Daemon extends ServerExtension {
  optimizer: CostOptimizer;
  metrics: Metrics;
}

export async function createDaemon(parts: ServerParts, opts: DaemonOptions = {}): Promise<Daemon> {
  const { config, store, ingest, logger } = parts;
  const now = opts.now ?? Date.now;
  const providers = opts.providers ?? (await createProvidersFromConfig(config, logger));
  let optimizer: CostOptimizer | null = null;
  const seen = { inserted: 0, duplicate: 0, badFrames: 0, authFailures: 0 };
  // Ingest keeps running totals; the Prometheus counters advance by the difference since the last scrape.
  const advance = (key: keyof typeof seen, value: number, inc: (n: number) => void) => {
    if (value > seen[key]) inc(value - seen[key]);
    seen[key] = Math.max(seen[key], value);
  };
  const metrics = new Metrics(() => {
    const t = now();
    const s = savingsFromStore(store, t, config.deleteSavingsHorizonDays);
    const st = ingest.stats();
    advance('inserted', st.batches.inserted, (n) => metrics.ingestBatches.inc(n));
    advance('duplicate', st.batches.duplicate, (n) => metrics.ingestDuplicates.inc(n));
    advance('badFrames', st.badFrames, (n) => metrics.ingestRejected.inc({ reason: 'bad-frame' }, n));
    advance('authFailures', st.authFailures, (n) => metrics.ingestRejected.inc({ reason: 'auth' }, n));
    return {
      instances: store.listInstances().map((i) => {
        const last = store.lastSample(i.id);
        const engines: Partial<Record<'enc' | 'dec' | 'jpeg' | 'ofa' | 'encSessions', number>> = {};
        for (const [k, p] of Object.entries(last?.engines ?? {}) as [keyof typeof engines, { max: number }][]) engines[k] = p.max;
        return {
          id: i.id,
          provider: i.provider,
          state: i.state,
          util: last && !last.unknown ? last.utilMax : null,
          pricePerHour: i.pricePerHour,
          engines,
          tempC: last?.tempC ?? null,
        };
      }),
      savingsTotalUsd: s.totalUsd,
      savingsMonthlyUsd: s.monthlyProjectionUsd,
      agentsConnected: st.connected,
    };
  });
  const health = new LoopHealth(
    config.checkIntervalSec,
    providers.map((p) => p.name),
  );
  optimizer = new CostOptimizer(config, {
    onCycle: (report) => health.cycleFinished(report),
    store,
    logger,
    now,
    metrics,
    notifier: opts.notifier,
    sshPoller: opts.sshPoller,
    executor: opts.executor,
    retention: false,
    checkpoint: (id, timeoutMs) => ingest.requestPreparePause(id, timeoutMs),
    contested: (id) => ingest.contested(id),
  });
  for (const p of providers) optimizer.addProvider(p.name, p);
  const opt = optimizer;
  // One voice per instance: a competing agent connection is a notification as well as the WARN line ingest logs.
  ingest.onContest((_id, _contest, text) => opt.notify(plainNotice(':rotating_light:', text)));
  const view = createEngineView({
    store,
    idle: opt.idleTracker,
    config,
    capabilities: () => Object.fromEntries(providers.map((p) => [p.name, p.capabilities])),
    contested: (id) => ingest.contested(id),
  });
  const operations = new InstanceOperations({
    store,
    logger,
    now,
    provider: (name) => providers.find((p) => p.name === name),
    notifier: opt.notifications,
    publicUrl: config.publicUrl,
  });
  const csrf = new CsrfTokens();
  const stopDigest =
    config.digestHourUtc === null
      ? () => {}
      : startDigestJob({
          store,
          notifier: opt.notifications,
          logger,
          hourUtc: config.digestHourUtc,
          publicUrl: config.publicUrl,
          deleteSavingsHorizonDays: config.deleteSavingsHorizonDays,
          now,
        });
  const install = installRoutes({
    publicUrl: config.publicUrl,
    trustProxy: config.trustProxy,
    runtime: { cacheDir: join(config.dataDir, 'runtime-cache') },
    logger,
  });

  const ac = new AbortController();
  // The first cycle loads the idle states; the loop starts once the server listens (a microtask later).
  const loop = opts.loop === false ? Promise.resolve() : Promise.resolve().then(() => opt.run(ac.signal));
  const watchdog =
    opts.loop === false || config.loopWatchdogSec === 0
      ? null
      : startLoopWatchdog({ health, limitSec: config.loopWatchdogSec, logger, onStall: opts.onLoopStall ?? (() => undefined) });
  return {
    optimizer: opt,
    metrics,
    decisionView: view,
    loopHealth: () => health.snapshot(),
    operations,
    routes: [
      (app: Hono) => {
        app.use('/', browserAuth(config.adminToken));
        app.use('/metrics', browserAuth(config.adminToken));
        app.use('/ui/*', browserAuth(config.adminToken));
      },
      dashboardRoute({
        threshold: config.pauseThresholdGpu,
        dryRun: config.dryRun,
        refreshSeconds: opts.refreshSeconds,
        csrf,
        policyLines: (r) => policyLines(instancePolicy(r, config.pauseWindowMinutes)),
      }),
      dashboardActionRoutes({ csrf, trustProxy: config.trustProxy }),
      metricsRoute(metrics),
      (app: Hono) => {
        app.route('/', install);
      },
    ],
    close: async () => {
      watchdog?.stop();
      stopDigest();
      ac.abort();
      await loop;
      await opt.close();
    },
  };
}
