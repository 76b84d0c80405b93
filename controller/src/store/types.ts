// Records the store reads and writes; what the rest of the controller sees of the database.
import type { AgentHealth, GpuStats, Hello } from '../../../protocol';
import type { MetricSource, ProviderInstance } from '../domain/instance';
import type { HostFigures, InhibitFigures } from '../domain/host-activity';
import type { InteractiveActivity } from '../domain/interactive';
import type { SampleSummary } from '../domain/sample';
import type { StoredGpu } from './gpu-codec';
import type { ActionActor, ActionKind, ActionRecord, ActionStatus } from '../domain/action';

export type SampleSource = Exclude<MetricSource, 'none'>;

/** What the agent last told about its host. */
export interface AgentFacts {
  hello: Hello | null;
  helloAt: number | null;
  health: AgentHealth | null;
  healthAt: number | null;
}

/** What the provider last said about the instance (ProviderInstance), plus what the controller knows of it. */
export interface InstanceRecord extends ProviderInstance {
  /** When the controller first heard of it (inventory, token or sample). */
  firstSeen: number;
  /** Last provider inventory that listed it; null for manual hosts and placeholders. */
  lastInventoryAt: number | null;
  /**
   * When inventory last saw it turn running; null while not running. The inventory's record of the rule in
   * engine/running-since.ts, not the engine's figure: the engine decides with (and the views show) its own
   * `IdleState.runningSince`, narrowed by a pause the inventory never saw. This column is only the API's fallback for
   * an instance the engine has no figure for (http/instance-json.ts); dropping it would take a migration and change
   * what the API shows for such an instance, so it stays, written by the same rule.
   */
  runningSince: number | null;
  /** Source of the newest sample; 'none' before the first. */
  metricSource: MetricSource;
  lastSampleAt: number | null;
  /** Total GPU memory of the newest sample that knew it. */
  memTotalMiB: number | null;
  agentFacts: AgentFacts | null;
}

/** One batch of readings to store, from the agent, the SSH poller or the provider's own figure: all take this path. */
export interface SampleInput {
  instanceId: string;
  source: SampleSource;
  /** Interval covered, controller clock (the caller corrects agent clock skew), epoch ms. */
  t0: number;
  t1: number;
  gpus: readonly GpuStats[];
  procs: number | null;
  health: AgentHealth;
  /** Agent batches: (runId, seq) identify the batch so replays are no-ops. Absent for ssh/provider samples. */
  run?: { runId: string; seq: number } | null;
  /** Agent batches: the host's latest interactive input, controller clock; absent from older agents and other sources. */
  interactive?: InteractiveActivity | null;
  /** Agent batches of protocol 2 on: host throughput over the interval; absent from older agents and other sources. */
  host?: HostFigures | null;
  /** Agent batches of protocol 2 on: the oldest inhibition in force at the end of the interval, controller clock. */
  inhibit?: InhibitFigures | null;
}

export type InsertStatus =
  /** Stored. */
  | 'inserted'
  /** Already stored (replay): nothing written, safe to acknowledge. */
  | 'duplicate'
  /** Older than the raw retention: dropped but acknowledged, the agent can forget it. */
  | 'expired'
  /** Not stored and not to be acknowledged (bad id, interval in the future). */
  | 'rejected';

export interface InsertResult {
  status: InsertStatus;
  /** For 'rejected': why, in one line. */
  reason?: string;
  /** For agent runs: highest sequence number committed for the run after this input (what an ack may carry). */
  maxSeq: number | null;
  /** For 'inserted': the summary the engine sees. */
  summary?: SampleSummary;
}

/** A stored sample with its per-GPU detail, for `GET /api/instances/:id` and `explain`. */
export interface SampleDetail extends SampleSummary {
  gpus: StoredGpu[];
  healthError: boolean;
}

export type { ActionActor, ActionKind, ActionRecord, ActionStatus };

export interface NewAction {
  instanceId: string;
  kind: ActionKind;
  status: ActionStatus;
  reason: string;
  figures?: Record<string, unknown>;
  decisionKey?: string | null;
  /** Default `controller`. */
  actor?: ActionActor;
  /** The leader lease's epoch it is planned under (replicas on PostgreSQL); default null. */
  leaseEpoch?: number | null;
}

export interface HoldRecord {
  instanceId: string;
  /** Epoch ms: no action before then. */
  until: number;
  reason: string;
  createdAt: number;
}

export interface RollupRecord {
  /** Bucket start, epoch ms. */
  bucket: number;
  sources: SampleSource[];
  samples: number;
  unknownSamples: number;
  utilMin: number | null;
  utilMean: number | null;
  utilMax: number | null;
  memUsedMaxMiB: number | null;
  coveredMs: number;
}
