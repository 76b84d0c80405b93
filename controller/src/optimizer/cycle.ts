// One optimizer cycle as an explicit pipeline (docs/architecture.md):
//   inventory -> observe -> spend -> collect -> decide -> plan -> execute -> record
// Each step is a function in steps/ that can be tested alone; this class keeps what lives from one cycle to the next
// (the cycle count, who was warned or alerted, the last decisions) and runs the steps in order.
import type { Config } from '../config/config';
import type { ProviderName } from '../domain/instance';
import type { Contested } from '../engine';
import type { Executor } from '../executor/executor';
import type { LeaseView } from '../executor/previous-leader';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import type { Notifier } from '../notify/webhook-notifier';
import type { Provider } from '../providers/provider';
import type { SshPoller } from '../ssh';
import type { Store } from '../store';
import type { IdleTracker } from './idle-tracker';
import { settleInterruptedActions } from './interrupted-actions';
import { LastDecisions } from './last-decisions';
import { SampleCollector } from './steps/collect';
import { type DecidedFleet, decideFleet } from './steps/decide';
import { executePlan } from './steps/execute';
import { takeInventory } from './steps/inventory';
import { observeTransitions } from './steps/observe';
import { PauseWarningFollowUp } from './steps/pause-warning-follow-up';
import { planActions } from './steps/plan';
import { type CycleReport, recordCycle } from './steps/record';
import { SilentAgentAlerts } from './steps/silent-agents';
import { accrueSpend, checkBudgets } from './steps/spend';

export type { CycleReport } from './steps/record';

/** Everything a cycle works with, built once by the composition root (compose/build-optimizer.ts). */
export interface CycleDeps {
  config: Config;
  store: Store;
  logger: Logger;
  /** Clock, epoch ms; the simulator passes virtual time. */
  now: () => number;
  providers: ReadonlyMap<ProviderName, Provider>;
  idle: IdleTracker;
  executor: Executor;
  notifier: Notifier;
  ssh: SshPoller | null;
  metrics?: Metrics;
  inventory?: { attempts?: number; baseDelayMs?: number };
  /** One voice per instance: a recent competing agent connection (wired to the ingest by `serve`). */
  contested?: (instanceId: string) => Contested | null;
  /** Called at the end of every finished cycle (serve's /healthz and loop watchdog). */
  onCycle?: (report: CycleReport) => void;
  /** Replicas on PostgreSQL: the leader lease this process holds (a previous leader's `planned` rows wait on it). */
  lease?: () => LeaseView;
  /** How long a previous leader's call may still run after its fence. */
  previousCallMs?: number;
}

export class OptimizerCycle {
  /** What the HTTP views show: the decisions of the last finished cycle. */
  readonly last = new LastDecisions();
  lastReport: CycleReport | null = null;
  private cycles = 0;
  private started = false;
  /** `planned` pauses and deletes the last look left (a previous leader's, or its instance or provider not known). */
  private unsettled = 0;
  /** The last cycle's decisions: their engine inputs are reused where nothing changed (optimizer/engine-inputs.ts). */
  private previous: DecidedFleet | undefined;
  private readonly collector: SampleCollector;
  private readonly silentAgents: SilentAgentAlerts;
  private readonly warnings: PauseWarningFollowUp;

  constructor(readonly deps: CycleDeps) {
    this.collector = new SampleCollector(deps);
    this.silentAgents = new SilentAgentAlerts({ ...deps, agentSilentSec: deps.config.agentSilentSec });
    this.warnings = new PauseWarningFollowUp(deps);
  }

  /** The next run starts afresh: idle clocks reloaded from the store (a replica that has just become the leader). */
  restart(): void {
    this.started = false;
    this.previous = undefined;
  }

  async run(): Promise<CycleReport> {
    const d = this.deps;
    const startedAt = Date.now();
    const now = d.now();
    if (!this.started) {
      // The first cycle after a start: idle clocks from the store (samples replayed), then crash remnants settled.
      d.idle.load(now);
      this.started = true;
      this.unsettled = await settleInterruptedActions(d, now);
    } else if (this.unsettled > 0 || d.lease !== undefined) {
      // Replicas look every cycle (a previous leader's row may appear at any time; the partial index keeps it cheap).
      this.unsettled = await settleInterruptedActions(d, now);
    }
    this.cycles++;

    const inventory = await takeInventory(d, now);
    observeTransitions(d, inventory, now);
    // Spend and budgets (docs/owners.md): never allowed to stop the cycle that pauses idle instances.
    try {
      accrueSpend(d, inventory.current, now);
      checkBudgets(d, inventory.records, now);
    } catch (err) {
      d.logger.error('spend and budget check failed', err);
    }
    const ssh = await this.collector.collect(inventory.current, inventory.listed, now);
    // Inventory transitions every cycle; everything else every tenth cycle (replayed from samples after a crash).
    d.idle.persist(this.cycles % 10 === 1);
    this.silentAgents.check(inventory.records, now);
    const fleet = decideFleet(d, inventory.current, now, this.previous);
    this.previous = fleet;
    // Shown at once (the views read these); an operator act from here on makes its instance's entry stale.
    this.last.set(fleet);
    const planned = planActions(
      fleet.decisions,
      { get: (id) => fleet.inputs.get(id)?.instance },
      {
        publicUrl: d.config.publicUrl ?? null,
        deleteThresholdHours: d.config.deleteThresholdHours,
      },
    );
    const actions = await executePlan(d, planned);
    this.warnings.follow(fleet.decisions, actions, fleet.inputs);
    d.idle.persist(false);

    const report: CycleReport = { at: now, durationMs: Date.now() - startedAt, providers: inventory.outcomes, decisions: fleet.decisions, actions, ssh };
    this.lastReport = report;
    d.onCycle?.(report);
    recordCycle(d, report, this.cycles, inventory.records.length);
    return report;
  }
}
