// The library API and the optimizer loop: every cycle, inventory -> update states -> decide -> execute.
//   const optimizer = new CostOptimizer(config);
//   optimizer.addProvider(ProviderType.VastAi, new VastAiProvider(key));
//   await optimizer.runOnce();   // or: await optimizer.run(signal)
import { join } from 'node:path';
import type { PreparePauseResult } from '../../../protocol';
import type { Config } from '../config/config';
import type { ProviderInstance, ProviderName } from '../domain/instance';
import { type Contested, type Decision, type EngineInstance, type Protection, decide, protectionsOf } from '../engine';
import { Executor, type ActionOutcome } from '../executor/executor';
import { createLogger, errorMessage, type Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import { LogOnlyNotifier, type Notifier, plainNotice, WebhookNotifier } from '../notify/webhook-notifier';
import { pauseWarningCancelledText } from '../notify/messages';
import { subjectOf } from '../operations/instance-operations';
import type { Provider } from '../providers/provider';
import { SshPoller, selectSshTargets, toSshSample } from '../ssh';
import { DB_FILE_NAME, openStore, type Store } from '../store';
import { fleetContext, toEngineInstance } from './engine-inputs';
import { IdleTracker } from './idle-tracker';
import { configFromPartial, isWholeConfig } from './library-config';
import { listAll, type InventoryOutcome } from './inventory';
import { planActions } from './plan-actions';
import { providerSample } from './provider-samples';
import { StoreActionLog } from './store-action-log';

export interface CostOptimizerOptions {
  logger?: Logger;
  /** An open store; by default `<DATA_DIR>/cost-optimizer.db` is opened (and closed by close()). */
  store?: Store;
  notifier?: Notifier;
  /** Clock, epoch ms; the simulator passes virtual time. */
  now?: () => number;
  /** Asks an instance's agent to run its checkpoint hook before a pause (wired to the WebSocket ingest by `serve`). */
  checkpoint?: (instanceId: string, timeoutMs: number) => Promise<PreparePauseResult | null>;
  /** The SSH fallback; `null` turns it off. Default: created from config.ssh. */
  sshPoller?: SshPoller | null;
  metrics?: Metrics;
  executor?: { verifyAttempts?: number; verifyDelayMs?: number; concurrency?: number; maxAttempts?: number };
  inventory?: { attempts?: number; baseDelayMs?: number };
  /** One voice per instance: a recent competing agent connection (wired to the ingest by `serve`); see docs/security.md. */
  contested?: (instanceId: string) => Contested | null;
  /** Roll up old samples from run() (default true); `serve` has its own retention job and passes false. */
  retention?: boolean;
  /** Called at the end of every finished cycle (serve's /healthz and loop watchdog, docs/health.md). */
  onCycle?: (report: CycleReport) => void;
}

export interface CycleReport {
  at: number;
  durationMs: number;
  providers: InventoryOutcome[];
  decisions: Decision[];
  actions: ActionOutcome[];
  ssh: { polled: number; ok: number; failed: number };
}

export class CostOptimizer {
  readonly config: Config;
  readonly store: Store;
  readonly logger: Logger;
  private readonly providers = new Map<ProviderName, Provider>();
  private readonly notifier: Notifier;
  private readonly now: () => number;
  private readonly idle: IdleTracker;
  private readonly executor: Executor;
  private readonly ssh: SshPoller | null;
  private readonly ownsStore: boolean;
  private readonly silentNotified = new Set<string>();
  /** Instances whose pause warning went out and whose pause has not come: told when it is called off. */
  private readonly pauseWarned = new Set<string>();
  private lastInventoryAt = new Map<ProviderName, number>();
  private loaded = false;
  /** Aborts the running run() loop; null when none runs. */
  private stopper: AbortController | null = null;
  private cycles = 0;
  lastReport: CycleReport | null = null;
  /** Decisions of the last cycle by instance id: the status API and explain read them. */
  readonly lastDecisions = new Map<string, { decision: Decision; instance: EngineInstance }>();

  constructor(
    config: Config | Partial<Config> = {},
    private readonly opts: CostOptimizerOptions = {},
  ) {
    this.config = isWholeConfig(config) ? config : configFromPartial(config);
    const c = this.config;
    this.logger =
      opts.logger ??
      createLogger({
        level: c.logLevel,
        secrets: [c.adminToken, c.vast?.apiKey, c.tensordock?.apiKey, c.tensordock?.apiToken, c.gcp?.accessToken, c.webhookUrl],
      });
    this.now = opts.now ?? Date.now;
    this.ownsStore = !opts.store;
    this.store =
      opts.store ??
      openStore(join(c.dataDir, DB_FILE_NAME), { retentionRawHours: c.retentionRawHours, retentionRollupDays: c.retentionRollupDays, logger: this.logger });
    this.notifier = opts.notifier ?? (c.webhookUrl ? new WebhookNotifier({ url: c.webhookUrl, logger: this.logger }) : new LogOnlyNotifier(this.logger));
    this.idle = new IdleTracker(this.store, c, this.logger);
    this.ssh =
      opts.sshPoller === undefined
        ? new SshPoller({
            config: { ...c.ssh, dataDir: c.dataDir },
            logger: this.logger,
            now: this.now,
            controlPersistSec: Math.max(300, 3 * c.checkIntervalSec),
          })
        : opts.sshPoller;
    this.executor = new Executor({
      providers: this.providers,
      actions: new StoreActionLog(this.store),
      notifier: this.notifier,
      logger: this.logger,
      now: this.now,
      dryRun: c.dryRun,
      checkpoint: opts.checkpoint,
      checkpointTimeoutMs: c.checkpointTimeoutSec * 1000,
      protections: (i) => this.protections(i, this.now()),
      messages: { publicUrl: c.publicUrl ?? null },
      ...opts.executor,
    });
  }

  /** Registers a provider; `type` is a ProviderType (the provider's name: `vast`, `tensordock`, `gcp`). */
  addProvider(type: ProviderName, provider: Provider): this {
    if (provider.name !== type) throw new Error(`addProvider: ${type} given a ${provider.name} provider`);
    if (this.providers.has(type)) throw new Error(`addProvider: ${type} is already added`);
    this.providers.set(type, provider);
    this.logger.info(`provider added: ${type} (pause = ${provider.capabilities.pauseMeans}; paused cost: ${provider.capabilities.pausedCost})`);
    return this;
  }

  get providerNames(): ProviderName[] {
    return [...this.providers.keys()];
  }

  /** Where notifications go (the webhook, or the log): the operator acts announce through it too. */
  get notifications(): Notifier {
    return this.notifier;
  }

  /** The idle tracker: the ingest path feeds it through the store; the status API reads it. */
  get idleTracker(): IdleTracker {
    return this.idle;
  }

  /** Whether the instance is protected now: the engine's rule (PROTECTED_INSTANCES, the provider-side marker, a hold). */
  isProtected(i: Pick<ProviderInstance, 'id' | 'providerId' | 'name' | 'labels'>): boolean {
    return this.protections(i, this.now()).length > 0;
  }

  private protections(i: Pick<ProviderInstance, 'id' | 'providerId' | 'name' | 'labels'>, now: number): readonly Protection[] {
    return protectionsOf(i, this.store.activeHold(i.id, now)?.until ?? null, this.config, now);
  }

  /** Sends a message through the configured notifier (the ingest's one-voice warnings use it). */
  notify(text: string): void {
    this.notifier.notify(text);
  }

  /** One inventory + decision + action cycle. */
  async runOnce(): Promise<CycleReport> {
    const started = Date.now();
    const now = this.now();
    if (!this.loaded) {
      this.idle.load(now);
      this.loaded = true;
      await this.resolveInterrupted(now);
    }
    this.cycles++;
    const outcomes = await listAll([...this.providers.values()], { logger: this.logger, ...this.opts.inventory });
    const fresh = new Set<ProviderName>(['manual']);
    const listed: ProviderInstance[] = [];
    for (const o of outcomes) {
      if (!o.ok) {
        this.opts.metrics?.providerErrors.inc({ provider: o.provider, op: 'list' });
        this.logger.error(`inventory ${o.provider} failed after ${o.attempts} attempts: ${o.error}; its instances are not acted on this cycle`);
        continue;
      }
      fresh.add(o.provider);
      this.store.upsertInventory(o.provider, o.instances, now);
      listed.push(...o.instances);
    }
    const records = this.store.listInstances();
    for (const r of records) {
      if (!fresh.has(r.provider) || r.provider === 'manual') continue;
      const before = this.idle.get(r.id)?.lastState ?? null;
      this.idle.observeInventory(r, now);
      if (r.state === 'running' && (before === 'stopped' || before === 'stopping')) this.recordResume(r.id, now);
    }

    const sshStats = await this.pollSsh(
      records.filter((r) => fresh.has(r.provider)),
      now,
    );
    this.recordProviderUtil(listed, now);
    // Inventory transitions every cycle; everything else every tenth cycle (replayed from samples after a crash).
    this.idle.persist(this.cycles % 10 === 1);
    this.alertSilentAgents(records, now);

    const ctx = fleetContext(this.store, now);
    const contested = this.opts.contested;
    const engineInstances = records
      .filter((r) => fresh.has(r.provider))
      .map((r) => ({ ...toEngineInstance(r, this.store, now, this.config.dryRun, ctx), contested: contested?.(r.id) ?? null }));
    const decisions = decide(engineInstances, this.idle.all(), this.config, now, { capabilities: this.capabilities() });
    const byId = new Map(engineInstances.map((i) => [i.id, i]));
    this.lastDecisions.clear();
    decisions.forEach((d) => this.lastDecisions.set(d.instanceId, { decision: d, instance: byId.get(d.instanceId)! }));
    const actions = await this.executor.execute(
      planActions(decisions, byId, { publicUrl: this.config.publicUrl ?? null, deleteThresholdHours: this.config.deleteThresholdHours }),
    );
    this.announceCancelledWarnings(decisions, actions, byId);
    for (const a of actions) {
      this.opts.metrics?.actions.inc({ kind: a.kind, status: a.status });
      // Tell the idle clock at once: a user who resumes before the next inventory must still get restart grace.
      if (a.status === 'succeeded' && (a.kind === 'pause' || a.kind === 'delete')) {
        this.idle.observeInventory({ id: a.instanceId, state: a.kind === 'pause' ? 'stopped' : 'deleted' }, this.now());
      }
    }
    this.idle.persist(false);

    const report: CycleReport = { at: now, durationMs: Date.now() - started, providers: outcomes, decisions, actions, ssh: sshStats };
    this.lastReport = report;
    this.opts.onCycle?.(report);
    this.opts.metrics?.cycleDuration.observe(report.durationMs / 1000);
    this.logCycle(report, records.length);
    return report;
  }

  /**
   * Runs a cycle every CHECK_INTERVAL seconds until stop() or until `signal` aborts; a failing cycle is logged and the
   * loop goes on.
   * Unless `retention: false` (serve runs its own retention job), old samples are rolled up every 10 minutes.
   */
  async run(signal?: AbortSignal): Promise<void> {
    // Without a signal (the seed's `run()`) the loop runs until stop(); with one, until either.
    const own = new AbortController();
    this.stopper = own;
    const onAbort = () => own.abort();
    if (signal?.aborted) own.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.loop(own.signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.stopper === own) this.stopper = null;
    }
  }

  /** Ends run() after the cycle in progress (at once when it is waiting for the next cycle). */
  stop(): void {
    this.stopper?.abort();
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let lastRetention = 0;
    while (!signal.aborted) {
      try {
        await this.runOnce();
      } catch (err) {
        this.logger.error('cycle failed', err);
      }
      if (this.opts.retention !== false && Date.now() - lastRetention > 600_000) {
        lastRetention = Date.now();
        try {
          this.store.runRetention(this.now());
        } catch (err) {
          this.logger.error('retention failed', err);
        }
      }
      await sleepUnlessAborted(this.config.checkIntervalSec * 1000, signal);
    }
  }

  async close(): Promise<void> {
    this.stop();
    this.idle.persist();
    this.idle.close();
    await this.ssh?.close().catch((err: unknown) => this.logger.warn(`ssh poller close: ${errorMessage(err)}`));
    await this.notifier.flush(5_000);
    if (this.ownsStore) this.store.close();
  }

  /**
   * Audit rows left `planned` by a controller that died mid-action: each is settled with the provider's word (done:
   * `succeeded`; not done: `failed`, so a later cycle may decide afresh). Never acts; a provider that cannot answer
   * leaves the row for the next start.
   */
  private async resolveInterrupted(now: number): Promise<void> {
    const planned = this.store.actionsWithStatus('planned').filter((a) => a.kind === 'pause' || a.kind === 'delete');
    for (const a of planned) {
      const rec = this.store.getInstance(a.instanceId);
      const provider = rec ? this.providers.get(rec.provider) : undefined;
      if (!rec || !provider) continue;
      try {
        const fresh = await provider.get(rec.providerId);
        const state = fresh === null ? 'gone' : fresh.state;
        const done = a.kind === 'pause' ? state === 'stopped' || state === 'stopping' : state === 'gone' || state === 'deleted';
        this.store.updateAction(
          a.id,
          done
            ? { status: 'succeeded', reason: `${a.reason} (verified after a restart: ${state})` }
            : { status: 'failed', reason: `interrupted by a controller restart; the instance is ${state}` },
          now,
        );
        this.logger.warn(
          `audit: ${a.kind} of ${a.instanceId} was interrupted by a restart; the provider says ${state}: recorded as ${done ? 'succeeded' : 'failed'}`,
        );
      } catch (err) {
        this.logger.warn(`audit: cannot settle the interrupted ${a.kind} of ${a.instanceId} yet: ${errorMessage(err)}`);
      }
    }
  }

  /** A paused instance seen running again: its user resumed it. Recorded so savings stop counting and the log shows it. */
  private recordResume(instanceId: string, now: number): void {
    const last = this.store.listActions({ instanceId, limit: 5 }).find((a) => a.kind === 'pause' || a.kind === 'resume' || a.kind === 'delete');
    if (!last || last.kind !== 'pause' || last.status !== 'succeeded') return;
    this.store.insertAction(
      { instanceId, kind: 'resume', status: 'succeeded', reason: 'seen running again after our pause; its idle clock starts afresh' },
      now,
    );
    this.logger.info(`RESUMED: ${instanceId} is running again (resumed by its user); full pause window before any new pause`);
  }

  /**
   * A warned instance that got busy again is told so ("will not be paused after all"), once. Holds, releases and
   * resumes are announced by the act itself; a pause ends the warning. Kept in memory: a restart forgets (no message).
   */
  private announceCancelledWarnings(decisions: readonly Decision[], actions: readonly ActionOutcome[], byId: ReadonlyMap<string, EngineInstance>): void {
    for (const a of actions) if (a.kind === 'warn-pause' && a.status === 'succeeded') this.pauseWarned.add(a.instanceId);
    for (const d of decisions) {
      if (!this.pauseWarned.has(d.instanceId) || d.kind === 'warn-pause') continue;
      if (d.kind === 'pause' || d.figures.state !== 'running') {
        this.pauseWarned.delete(d.instanceId);
        continue;
      }
      if (d.figures.pauseWarnedAt !== null && d.figures.pauseWarnedAt !== undefined) continue;
      this.pauseWarned.delete(d.instanceId);
      if (d.code === 'hold' || d.code === 'protected-marker' || d.code === 'protected-config') continue;
      const inst = byId.get(d.instanceId);
      if (!inst) continue;
      this.notifier.notify(
        pauseWarningCancelledText(
          subjectOf(inst),
          { publicUrl: this.config.publicUrl ?? null },
          d.code === 'busy' || d.code === 'not-idle' ? 'its GPU is busy again' : d.reason,
        ),
      );
      this.logger.info(`pause of ${d.instanceId} called off: ${d.reason}`);
    }
  }

  private capabilities() {
    const out: Partial<Record<ProviderName, { canPause: boolean; canDelete: boolean }>> = {};
    for (const [n, p] of this.providers) out[n] = { canPause: p.capabilities.canPause, canDelete: p.capabilities.canDelete };
    return out;
  }

  private async pollSsh(records: ReturnType<Store['listInstances']>, now: number): Promise<CycleReport['ssh']> {
    if (!this.ssh) return { polled: 0, ok: 0, failed: 0 };
    const targets = selectSshTargets(records, this.idle.agentLastSeen, now, { agentSilentSec: this.config.agentSilentSec, ssh: this.config.ssh });
    if (targets.length === 0) return { polled: 0, ok: 0, failed: 0 };
    const results = await this.ssh.sweep(targets);
    let ok = 0;
    for (const r of results) {
      this.opts.metrics?.sshPolls.inc({ result: r.ok ? 'ok' : r.code });
      if (r.ok) ok++;
    }
    const ins = this.store.insertSamples(results.map(toSshSample), this.now());
    ins.forEach((r, i) => r.status === 'rejected' && this.logger.warn(`ssh sample for ${results[i]!.instanceId} rejected: ${r.reason}`));
    return { polled: results.length, ok, failed: results.length - ok };
  }

  private recordProviderUtil(listed: readonly ProviderInstance[], now: number): void {
    const silentMs = this.config.agentSilentSec * 1000;
    const inputs = [];
    for (const inst of listed) {
      const agentSeen = this.idle.agentLastSeen.get(inst.id);
      if (agentSeen !== undefined && now - agentSeen <= silentMs) continue; // the agent's data is better
      const prev = this.lastInventoryAt.get(inst.provider) ?? now - this.config.checkIntervalSec * 1000;
      const s = providerSample(inst, prev, now);
      if (s) inputs.push(s);
    }
    for (const inst of listed) this.lastInventoryAt.set(inst.provider, now);
    if (inputs.length) this.store.insertSamples(inputs, now);
  }

  private alertSilentAgents(records: ReturnType<Store['listInstances']>, now: number): void {
    for (const r of records) {
      const seen = this.idle.agentLastSeen.get(r.id);
      if (seen === undefined) continue;
      const silent = now - seen > this.config.agentSilentSec * 1000 && r.state === 'running';
      if (silent && !this.silentNotified.has(r.id)) {
        this.silentNotified.add(r.id);
        const msg = `agent of ${r.id} (${r.name}) silent for ${Math.round((now - seen) / 1000)} s; its instance is not paused on missing data`;
        this.logger.warn(msg);
        this.notifier.notify(plainNotice(':mute:', msg));
      } else if (!silent) this.silentNotified.delete(r.id);
    }
  }

  private logCycle(r: CycleReport, instances: number): void {
    const count = (k: string) => r.decisions.filter((d) => d.kind === k).length;
    const acted = (s: string) => r.actions.filter((a) => a.status === s).length;
    const failedProviders = r.providers.filter((p) => !p.ok).map((p) => p.provider);
    this.logger.info(
      `cycle ${this.cycles}: ${instances} instances; decisions pause=${count('pause')} delete=${count('delete')} warn=${count('warn-delete')} warn-pause=${count('warn-pause')}; ` +
        `actions succeeded=${acted('succeeded')} failed=${acted('failed')} dry-run=${acted('dry-run')} skipped=${acted('skipped')}; ` +
        `ssh ${r.ssh.ok}/${r.ssh.polled} ok` +
        (failedProviders.length ? `; provider errors: ${failedProviders.join(', ')}` : '') +
        `; ${r.durationMs} ms`,
    );
  }
}

/**
 * Waits `ms` or until `signal` aborts, whichever is first. The abort listener is removed when the timer fires: the
 * loop waits once a cycle for months, and a listener left behind each time grows without bound.
 */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
