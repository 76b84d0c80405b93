// Prometheus metrics (prom-client) on a registry of our own: fleet gauges are refreshed from a snapshot at scrape time;
// the process and runtime metrics (runtime-metrics.ts) and the build info are served beside them.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { VERSION } from '../version';
import { runtimeRegistry } from './runtime-metrics';

export interface FleetSnapshot {
  instances: {
    id: string;
    provider: string;
    state: string;
    util: number | null;
    pricePerHour: number | null;
    /** Busiest GPU's figure per other engine (percent; encSessions: open sessions); absent when not reported. */
    engines?: Partial<Record<'enc' | 'dec' | 'jpeg' | 'ofa' | 'encSessions', number>>;
    /** Hottest GPU, degrees C; null when unknown. */
    tempC?: number | null;
    /** The host's figures in the last sample (MB/s, MB/s, % of all cores); absent or null when not reported. */
    host?: { netMBs: number | null; diskMBs: number | null; cpuPct: number | null };
    /** An inhibition in force at the end of the last sample. */
    inhibited?: boolean;
  }[];
  savingsTotalUsd: number;
  savingsMonthlyUsd: number;
  agentsConnected: number;
  /** This replica's role and name (several controllers on one PostgreSQL; a lone controller leads). */
  leader?: { replica: string; leading: boolean };
  /** Spend and budget by team (never by owner or instance: docs/owners.md); absent: none shown. */
  teams?: { team: string; spendMonthUsd: number; spendRateUsdPerHour: number; monthlyBudgetUsd: number | null }[];
}

const STATES = ['running', 'stopped', 'starting', 'stopping', 'deleted', 'unknown'] as const;

export class Metrics {
  readonly registry = new Registry();
  readonly actions = new Counter({
    name: 'cost_optimizer_actions_total',
    help: 'Actions by kind and result',
    labelNames: ['kind', 'status'],
    registers: [this.registry],
  });
  readonly ingestBatches = new Counter({ name: 'cost_optimizer_ingest_batches_total', help: 'Agent batches committed', registers: [this.registry] });
  readonly ingestDuplicates = new Counter({
    name: 'cost_optimizer_ingest_duplicates_total',
    help: 'Replayed batches ignored as duplicates',
    registers: [this.registry],
  });
  readonly ingestRejected = new Counter({
    name: 'cost_optimizer_ingest_rejected_total',
    help: 'Frames rejected (bad frame, auth)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly sshPolls = new Counter({
    name: 'cost_optimizer_ssh_polls_total',
    help: 'SSH fallback polls by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly providerErrors = new Counter({
    name: 'cost_optimizer_provider_errors_total',
    help: 'Provider API failures after retries',
    labelNames: ['provider', 'op'],
    registers: [this.registry],
  });
  readonly cycleDuration = new Histogram({
    name: 'cost_optimizer_cycle_duration_seconds',
    help: 'Duration of one optimizer cycle (inventory, decide, act)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  private readonly util = new Gauge({
    name: 'cost_optimizer_instance_gpu_utilization_percent',
    help: 'Last GPU utilization (max over GPUs); absent when unknown',
    labelNames: ['instance', 'provider'],
    registers: [this.registry],
  });
  private readonly engineUtil = new Gauge({
    name: 'cost_optimizer_instance_gpu_engine_utilization_percent',
    help: 'Last utilization of each GPU engine (max over GPUs): sm, encoder, decoder, jpeg, ofa; absent when unknown or not reported',
    labelNames: ['instance', 'provider', 'engine'],
    registers: [this.registry],
  });
  private readonly encSessions = new Gauge({
    name: 'cost_optimizer_instance_gpu_encoder_sessions',
    help: 'Open NVENC sessions (max over GPUs) in the last sample',
    labelNames: ['instance', 'provider'],
    registers: [this.registry],
  });
  private readonly temp = new Gauge({
    name: 'cost_optimizer_instance_gpu_temperature_celsius',
    help: 'Hottest GPU temperature in the last sample',
    labelNames: ['instance', 'provider'],
    registers: [this.registry],
  });
  private readonly hostNet = new Gauge({
    name: 'cost_optimizer_instance_host_network_bytes_per_second',
    help: 'Host network throughput (received + sent, every interface but lo) in the last sample; absent when unknown',
    labelNames: ['instance', 'provider'],
    registers: [this.registry],
  });
  private readonly hostDisk = new Gauge({
    name: 'cost_optimizer_instance_host_disk_bytes_per_second',
    help: 'Host disk throughput (read + written, whole disks) in the last sample; absent when unknown',
    labelNames: ['instance', 'provider'],
    registers: [this.registry],
  });
  private readonly hostCpu = new Gauge({
    name: 'cost_optimizer_instance_host_cpu_percent',
    help: 'Host CPU busy, percent of all cores, in the last sample; absent when unknown',
    labelNames: ['instance', 'provider'],
    registers: [this.registry],
  });
  private readonly inhibited = new Gauge({
    name: 'cost_optimizer_instance_inhibited',
    help: '1 when a cost-optimizer-agent inhibit was in force at the end of the last sample',
    labelNames: ['instance', 'provider'],
    registers: [this.registry],
  });
  private readonly state = new Gauge({
    name: 'cost_optimizer_instance_state',
    help: '1 for the instance state',
    labelNames: ['instance', 'provider', 'state'],
    registers: [this.registry],
  });
  private readonly price = new Gauge({
    name: 'cost_optimizer_instance_price_usd_per_hour',
    help: 'Price while running',
    labelNames: ['instance', 'provider'],
    registers: [this.registry],
  });
  private readonly savings = new Gauge({ name: 'cost_optimizer_savings_usd', help: 'USD saved so far', registers: [this.registry] });
  private readonly savingsMonthly = new Gauge({
    name: 'cost_optimizer_savings_monthly_projection_usd',
    help: 'Savings rate now, projected over a month',
    registers: [this.registry],
  });
  private readonly agents = new Gauge({ name: 'cost_optimizer_agents_connected', help: 'Agents connected now', registers: [this.registry] });
  private readonly leader = new Gauge({
    name: 'cost_optimizer_leader',
    help: '1 while this replica leads (runs the cycle and acts), 0 while it follows',
    labelNames: ['replica'],
    registers: [this.registry],
  });
  private readonly buildInfo = new Gauge({
    name: 'cost_optimizer_build_info',
    help: 'Always 1; the version of the running controller in the label',
    labelNames: ['version'],
    registers: [this.registry],
  });
  private readonly teamSpend = new Gauge({
    name: 'cost_optimizer_team_spend_month_usd',
    help: "USD the team's instances cost this calendar month (UTC) so far, at the providers' prices",
    labelNames: ['team'],
    registers: [this.registry],
  });
  private readonly teamRate = new Gauge({
    name: 'cost_optimizer_team_spend_rate_usd_per_hour',
    help: "USD per hour the team's instances cost now",
    labelNames: ['team'],
    registers: [this.registry],
  });
  private readonly teamBudget = new Gauge({
    name: 'cost_optimizer_team_budget_usd',
    help: "The team's monthly budget in USD",
    labelNames: ['team'],
    registers: [this.registry],
  });

  constructor(
    private readonly snapshot: () => FleetSnapshot,
    version: string = VERSION,
  ) {
    this.buildInfo.set({ version }, 1);
  }

  /** The exposition text; fleet gauges are rebuilt from the snapshot so deleted instances disappear. */
  async render(): Promise<string> {
    const s = this.snapshot();
    this.util.reset();
    this.engineUtil.reset();
    this.encSessions.reset();
    this.temp.reset();
    this.hostNet.reset();
    this.hostDisk.reset();
    this.hostCpu.reset();
    this.inhibited.reset();
    this.state.reset();
    this.price.reset();
    for (const i of s.instances) {
      if (i.util !== null) this.util.set({ instance: i.id, provider: i.provider }, i.util);
      if (i.util !== null) this.engineUtil.set({ instance: i.id, provider: i.provider, engine: 'sm' }, i.util);
      for (const [k, engine] of [
        ['enc', 'encoder'],
        ['dec', 'decoder'],
        ['jpeg', 'jpeg'],
        ['ofa', 'ofa'],
      ] as const) {
        const v = i.engines?.[k];
        if (v !== undefined) this.engineUtil.set({ instance: i.id, provider: i.provider, engine }, v);
      }
      if (i.engines?.encSessions !== undefined) this.encSessions.set({ instance: i.id, provider: i.provider }, i.engines.encSessions);
      if (i.tempC !== undefined && i.tempC !== null) this.temp.set({ instance: i.id, provider: i.provider }, i.tempC);
      const lbl = { instance: i.id, provider: i.provider };
      if (typeof i.host?.netMBs === 'number') this.hostNet.set(lbl, i.host.netMBs * 1e6);
      if (typeof i.host?.diskMBs === 'number') this.hostDisk.set(lbl, i.host.diskMBs * 1e6);
      if (typeof i.host?.cpuPct === 'number') this.hostCpu.set(lbl, i.host.cpuPct);
      if (i.inhibited !== undefined) this.inhibited.set(lbl, i.inhibited ? 1 : 0);
      for (const st of STATES) this.state.set({ instance: i.id, provider: i.provider, state: st }, i.state === st ? 1 : 0);
      if (i.pricePerHour !== null) this.price.set({ instance: i.id, provider: i.provider }, i.pricePerHour);
    }
    this.savings.set(s.savingsTotalUsd);
    this.savingsMonthly.set(s.savingsMonthlyUsd);
    this.agents.set(s.agentsConnected);
    if (s.leader) {
      this.leader.reset();
      this.leader.set({ replica: s.leader.replica }, s.leader.leading ? 1 : 0);
    }
    this.teamSpend.reset();
    this.teamRate.reset();
    this.teamBudget.reset();
    for (const t of s.teams ?? []) {
      this.teamSpend.set({ team: t.team }, t.spendMonthUsd);
      this.teamRate.set({ team: t.team }, t.spendRateUsdPerHour);
      if (t.monthlyBudgetUsd !== null) this.teamBudget.set({ team: t.team }, t.monthlyBudgetUsd);
    }
    const text = await Registry.merge([this.registry, runtimeRegistry()]).metrics();
    // prom-client writes a NaN (the event-loop lag mean before its first sample) as "Nan"; the format says "NaN".
    return text.replace(/ Nan$/gm, ' NaN');
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
