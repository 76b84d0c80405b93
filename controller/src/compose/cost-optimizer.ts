// The library API, a thin facade over the optimizer cycle (optimizer/cycle.ts) that build-optimizer.ts puts together:
//   const optimizer = new CostOptimizer(config);
//   optimizer.addProvider(ProviderType.VastAi, new VastAiProvider(key));
//   await optimizer.runOnce();   // or: await optimizer.run(signal)
import type { Config } from '../config/config';
import type { ProviderInstance, ProviderName } from '../domain/instance';
import { errorMessage, type Logger } from '../log';
import type { Notifier } from '../notify/webhook-notifier';
import type { CycleReport, OptimizerCycle } from '../optimizer/cycle';
import { runCycleLoop } from '../optimizer/cycle-loop';
import type { IdleTracker } from '../optimizer/idle-tracker';
import type { LastDecisions } from '../optimizer/last-decisions';
import { configFromPartial, isWholeConfig, type LibraryConfig } from '../optimizer/library-config';
import type { Provider } from '../providers/provider';
import { StoreSampleFeed } from '../replicas/store-sample-feed';
import type { Store } from '../store';
import { type CostOptimizerOptions, composeOptimizer } from './build-optimizer';

/** How far back the leader reads samples again each cycle: a transaction committing late (database clock). */
const FEED_MARGIN_MS = 30_000;

export type { CostOptimizerOptions } from './build-optimizer';
export type { CycleReport } from '../optimizer/cycle';

export class CostOptimizer {
  readonly config: Config;
  readonly store: Store;
  readonly logger: Logger;
  /** The cycle pipeline (inventory -> observe -> collect -> decide -> plan -> execute -> record) and its last decisions. */
  readonly cycle: OptimizerCycle;
  private readonly parts: ReturnType<typeof composeOptimizer>;
  /** Samples other replicas stored (PostgreSQL only); made at the first cycle. */
  private feed: StoreSampleFeed | null = null;
  private leading = false;
  /** run() is looping (its lease is renewed by the timer then, not by each runOnce). */
  private running = false;
  private everLed = false;
  /** Aborts the running run() loop; null when none runs. */
  private stopper: AbortController | null = null;

  constructor(
    config: Config | LibraryConfig = {},
    private readonly opts: CostOptimizerOptions = {},
  ) {
    this.config = isWholeConfig(config) ? config : configFromPartial(config);
    this.parts = composeOptimizer(this.config, opts);
    this.cycle = this.parts.cycle;
    this.store = this.cycle.deps.store;
    this.logger = this.cycle.deps.logger;
  }

  /** Registers a provider; `type` is a ProviderType (the provider's name: `vast`, `tensordock`, `gcp`). */
  addProvider(type: ProviderName, provider: Provider): this {
    if (provider.name !== type) throw new Error(`addProvider: ${type} given a ${provider.name} provider`);
    if (this.parts.providers.has(type)) throw new Error(`addProvider: ${type} is already added`);
    this.parts.providers.set(type, provider);
    this.logger.info(`provider added: ${type} (pause = ${provider.capabilities.pauseMeans}; paused cost: ${provider.capabilities.pausedCost})`);
    return this;
  }

  get providerNames(): ProviderName[] {
    return [...this.parts.providers.keys()];
  }

  /** Where notifications go (the webhook, or the log): the operator acts announce through it too. */
  get notifications(): Notifier {
    return this.cycle.deps.notifier;
  }

  /** The idle clocks: the ingest path feeds them through the store. */
  get idleTracker(): IdleTracker {
    return this.cycle.deps.idle;
  }

  /** The last cycle's decisions by instance id (what the status API and explain show). */
  get lastDecisions(): LastDecisions {
    return this.cycle.last;
  }

  get lastReport(): CycleReport | null {
    return this.cycle.lastReport;
  }

  /** Whether the instance is protected now: the engine's rule (PROTECTED_INSTANCES, the provider-side marker, a hold). */
  isProtected(i: Pick<ProviderInstance, 'id' | 'providerId' | 'name' | 'labels'>): boolean {
    return this.parts.protections(i).length > 0;
  }

  /** Sends a message through the configured notifier (the ingest's one-voice warnings use it). */
  notify(text: string): void {
    this.cycle.deps.notifier.notify(text);
  }

  /**
   * One inventory + decision + action cycle. On a store shared by replicas, the samples any replica stored since the
   * last cycle are folded into the idle clocks first.
   */
  runOnce(): Promise<CycleReport> {
    const lead = this.parts.leadership;
    if (lead !== undefined && this.parts.ownsLeadership && !this.running && lead.tick() !== 'leader') {
      const who = lead.leader().replica;
      return Promise.reject(
        new Error(`another controller leads on this database (${who ?? 'unknown'}): a cycle acts only while this process holds the leader lease`),
      );
    }
    if (lead !== undefined && this.parts.ownsLeadership && !this.running) this.leading = true;
    if (this.store.shared) {
      this.feed ??= new StoreSampleFeed(this.store, this.cycle.deps.idle, this.logger, FEED_MARGIN_MS);
      this.feed.poll();
    }
    return this.cycle.run();
  }

  /**
   * A cycle if this replica leads (always, without `leadership`): a follower skips it, and a replica that has just
   * become the leader first reloads its idle clocks from the store, since others wrote while it followed.
   */
  private async leaderCycle(): Promise<void> {
    const lead = this.parts.leadership;
    if (lead !== undefined && lead.role !== 'leader') {
      this.leading = false;
      return;
    }
    if (!this.leading && lead !== undefined && this.everLed) {
      this.cycle.restart();
      this.feed = null;
    }
    this.leading = true;
    this.everLed = true;
    const report = await this.runOnce();
    lead?.cycled(report.at);
  }

  /**
   * Runs a cycle every CHECK_INTERVAL seconds until stop() or until `signal` aborts; a failing cycle is logged and the
   * loop goes on. Unless `retention: false` (serve runs its own retention job), old samples are rolled up every 10 minutes.
   */
  async run(signal?: AbortSignal): Promise<void> {
    // Without a signal (the seed's `run()`) the loop runs until stop(); with one, until either.
    const own = new AbortController();
    this.stopper = own;
    const onAbort = () => own.abort();
    if (signal?.aborted) own.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    // The library's loop on a shared database keeps its own lease renewed while it runs.
    if (this.parts.ownsLeadership) this.parts.leadership?.start();
    this.running = true;
    try {
      await runCycleLoop(
        () => this.leaderCycle(),
        {
          intervalMs: this.config.checkIntervalSec * 1000,
          logger: this.logger,
          retention: this.opts.retention === false ? null : () => this.store.runRetention(this.cycle.deps.now()),
        },
        own.signal,
      );
    } finally {
      this.running = false;
      if (this.parts.ownsLeadership) this.parts.leadership?.stop();
      signal?.removeEventListener('abort', onAbort);
      if (this.stopper === own) this.stopper = null;
    }
  }

  /** Ends run() after the cycle in progress (at once when it is waiting for the next cycle). */
  stop(): void {
    this.stopper?.abort();
  }

  async close(): Promise<void> {
    this.stop();
    const d = this.cycle.deps;
    // On a shared database only the leader writes idle clocks: a replica that lost the lease keeps its hands off.
    if (!this.store.shared || this.leading) d.idle.persist();
    if (this.parts.ownsLeadership) this.parts.leadership?.stop();
    d.idle.close();
    await d.ssh?.close().catch((err: unknown) => this.logger.warn(`ssh poller close: ${errorMessage(err)}`));
    await d.notifier.flush(5_000);
    if (this.parts.ownsStore) this.store.close();
  }
}
