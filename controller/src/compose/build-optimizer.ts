// Builds the optimizer's parts for CostOptimizer (cost-optimizer.ts): from a config and explicit overrides (tests, the
// demo, the simulator, serve's ingest hooks) it builds, in order, logger -> store -> notifier -> idle clocks -> SSH
// poller -> executor -> cycle. The library's `new CostOptimizer(config)` and `run-once` come here directly; serve and
// demo through start-controller.ts.
import type { PreparePauseResult } from '../../../protocol';
import type { Config } from '../config/config';
import type { ProviderInstance, ProviderName } from '../domain/instance';
import { type Contested, type Protection, protectionsOf } from '../engine';
import { Executor, type ExecutorOptions } from '../executor/executor';
import { previousCallBoundMs } from '../executor/previous-leader';
import { Leadership } from '../replicas/leadership';
import { controllerLogger, type Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import { LogOnlyNotifier, type Notifier, WebhookNotifier } from '../notify/webhook-notifier';
import { RoutingNotifier } from '../notify/routing-notifier';
import { type Mailer, SmtpMailer } from '../notify/mailer';
import { IdleTracker } from '../optimizer/idle-tracker';
import { type CycleReport, OptimizerCycle } from '../optimizer/cycle';
import { StoreActionLog } from '../optimizer/store-action-log';
import type { Provider } from '../providers/provider';
import { SshPoller } from '../ssh';
import type { Store } from '../store';
import { openControllerStore } from './open-store';

/** What a caller may put in place of the defaults; everything left out is built from the config. */
export interface CostOptimizerOptions {
  logger?: Logger;
  /** An open store; by default `<DATA_DIR>/cost-optimizer.db` is opened (and closed by close()). */
  store?: Store;
  notifier?: Notifier;
  /** E-mail to owners; default from SMTP_URL (none without it). */
  mailer?: Mailer | null;
  /** Clock, epoch ms; the simulator passes virtual time. */
  now?: () => number;
  /** Asks an instance's agent to run its checkpoint hook before a pause (wired to the WebSocket ingest by `serve`). */
  checkpoint?: (instanceId: string, timeoutMs: number) => Promise<PreparePauseResult | null>;
  /** The SSH fallback; `null` turns it off. Default: created from config.ssh. */
  sshPoller?: SshPoller | null;
  metrics?: Metrics;
  executor?: Pick<ExecutorOptions, 'verifyAttempts' | 'verifyDelayMs' | 'resend' | 'concurrency' | 'maxAttempts'>;
  inventory?: { attempts?: number; baseDelayMs?: number };
  /** One voice per instance: a recent competing agent connection (wired to the ingest by `serve`); see docs/security.md. */
  contested?: (instanceId: string) => Contested | null;
  /** Roll up old samples from run() (default true); `serve` has its own retention job and passes false. */
  retention?: boolean;
  /** Called at the end of every finished cycle (serve's /healthz and loop watchdog, docs/health.md). */
  onCycle?: (report: CycleReport) => void;
  /** With several replicas on one database: run() cycles only while this replica leads, and every act is fenced. */
  leadership?: Leadership;
}

export interface OptimizerParts {
  cycle: OptimizerCycle;
  /** The registered providers; addProvider() adds to it, and the cycle and executor read it. */
  providers: Map<ProviderName, Provider>;
  /** Whether close() closes the store (it opened it). */
  ownsStore: boolean;
  /** Who may act (undefined: this process alone uses its store, as with SQLite). */
  leadership: Leadership | undefined;
  /** Whether the optimizer took the lease for itself (run-once, the library on a shared store) rather than `serve`. */
  ownsLeadership: boolean;
  /** The engine's protection rule, now (PROTECTED_INSTANCES, the provider-side marker, a hold). */
  protections(i: Pick<ProviderInstance, 'id' | 'providerId' | 'name' | 'labels'>): readonly Protection[];
}

export function composeOptimizer(config: Config, o: CostOptimizerOptions): OptimizerParts {
  const logger = o.logger ?? controllerLogger(config);
  const now = o.now ?? Date.now;
  const store = o.store ?? openControllerStore(config, logger);
  const global = o.notifier ?? (config.webhookUrl ? new WebhookNotifier({ url: config.webhookUrl, logger }) : new LogOnlyNotifier(logger));
  // Messages about an instance also reach its owner (mention, e-mail) and its team's webhook (docs/owners.md).
  const notifier = new RoutingNotifier({
    global,
    globalUrl: config.webhookUrl,
    store,
    logger,
    mailer: o.mailer !== undefined ? o.mailer : config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.smtpFrom) : null,
  });
  const idle = new IdleTracker(store, config, logger);
  // On a database other processes share, acting needs the lease even outside `serve` (run-once, the library): this
  // process then takes it for itself, and every act is fenced by it.
  const leadership =
    o.leadership ?? (store.shared ? new Leadership({ store, replicaId: config.replicaId, leaseSec: config.leaderLeaseSec, logger }) : undefined);
  const ssh =
    o.sshPoller === undefined
      ? new SshPoller({
          config: { ...config.ssh, dataDir: config.dataDir },
          logger,
          now,
          controlPersistSec: Math.max(300, 3 * config.checkIntervalSec),
        })
      : o.sshPoller;
  const providers = new Map<ProviderName, Provider>();
  const protections = (i: Pick<ProviderInstance, 'id' | 'providerId' | 'name' | 'labels'>) => {
    const t = now();
    return protectionsOf(i, store.activeHold(i.id, t)?.until ?? null, config, t);
  };
  const lease = leadership && store.shared ? () => leadership.view() : undefined;
  const previousCallMs = previousCallBoundMs(config.providerTimeoutSec);
  const executor = new Executor({
    providers,
    actions: new StoreActionLog(store),
    notifier,
    logger,
    now,
    dryRun: config.dryRun,
    checkpoint: o.checkpoint,
    checkpointTimeoutMs: config.checkpointTimeoutSec * 1000,
    protections,
    messages: { publicUrl: config.publicUrl ?? null },
    fence: leadership ? () => leadership.fence() : undefined,
    lease,
    previousCallMs,
    ...o.executor,
  });
  const cycle = new OptimizerCycle({
    config,
    store,
    logger,
    now,
    providers,
    idle,
    executor,
    notifier,
    ssh,
    metrics: o.metrics,
    inventory: o.inventory,
    contested: o.contested,
    onCycle: o.onCycle,
    lease,
    previousCallMs,
  });
  return { cycle, providers, ownsStore: !o.store, protections, leadership, ownsLeadership: leadership !== undefined && o.leadership === undefined };
}
