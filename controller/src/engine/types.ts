// The engine's inputs beyond IdleState (EngineInstance) and its output (Decision with figures and rule checks).
import type { InstanceState, MetricSource, ProviderInstance, ProviderName } from '../domain/instance';
import type { InteractiveActivity } from '../domain/interactive';
import type { FalseAlarm } from './false-alarms';
import type { InstancePolicy, TeamPolicy } from './instance-policy';

export type { TeamPolicy };
import type { Protection } from './protection';

/** The audit log's view of the last action on an instance (docs/api.md, `/api/actions`). */
export interface LastAction {
  kind: 'pause' | 'delete' | 'warn' | 'warn-delete';
  status: 'planned' | 'succeeded' | 'failed' | 'dry-run' | 'skipped';
  /** Epoch ms. */
  at: number;
}

/** A ProviderInstance plus what the engine needs from outside it. */
export interface EngineInstance extends ProviderInstance {
  /** From `POST /api/instances/:id/hold`: no action before this epoch ms; null/absent when no hold. */
  holdUntil?: number | null;
  /**
   * When the delete warning for this instance was sent (epoch ms), null/absent when never. A warning sent before the
   * current inactive stretch began (activity returned since) does not count: a new one is needed.
   */
  deleteWarnedAt?: number | null;
  /** The last pause/delete recorded for it: a recent planned/done/dry-run one is not decided again (see cooldownMs). */
  lastAction?: LastAction | null;
  /**
   * The source the controller currently gets readings from, when it knows. `none` (no agent, SSH failing, no provider
   * reading) means nothing reaches the host: never idle, whatever older samples say. Absent: the engine uses its own
   * best current source.
   */
  metricSource?: MetricSource | null;
  /** When the pause warning for this instance went out (epoch ms); it counts only for the current idle episode. */
  pauseWarnedAt?: number | null;
  /** The last hold, release or resume (epoch ms): a pause warning sent before it no longer counts. */
  pauseWarningResetAt?: number | null;
  /** Pause warnings that activity called off (from the audit log); the engine counts those of the last 24 h. */
  falseAlarms?: readonly FalseAlarm[] | null;
  /** The agent's latest report of terminal / notebook input on the host; null/absent when none (no agent, an old agent). */
  interactive?: InteractiveActivity | null;
  /**
   * Two agents reported (or tried to) with this instance's token: nothing any agent says counts as idle until
   * `until` (epoch ms), and a pause needs a whole window after it. `addresses` are the competing remote addresses,
   * for the reason line. Set by the ingest's one-voice rule (docs/security.md); null/absent: no competing agent seen.
   */
  contested?: Contested | null;
  /**
   * The default policy of the instance's team (`team set NAME --idle 2h --no-delete`, docs/owners.md): a window that
   * markers can lengthen but never shorten, and pause-only. Null/absent: none.
   */
  teamPolicy?: TeamPolicy | null;
}

/** A competing agent connection seen for one instance (see EngineInstance.contested). */
export interface Contested {
  until: number;
  addresses: readonly string[];
}

export interface DecideOptions {
  /** Also return every rule's outcome and detail line (`Decision.checks`), for explain and the instance API. Costs time. */
  checks?: boolean;
  /** Provider capabilities (`Provider.capabilities`): a provider that cannot pause or delete is never asked to. */
  capabilities?: Partial<Record<ProviderName, { canPause: boolean; canDelete: boolean }>>;
  /**
   * A decision to do nothing comes as a DeferredDecision (deferred-decision.ts): the same kind and code, its reason and
   * figures built when first read. For the cycle, which decides the whole fleet and reads them for few instances.
   */
  defer?: boolean;
}

export type DecisionKind = 'none' | 'pause' | 'delete' | 'warn-delete' | 'warn-pause';
export type ActionKind = Exclude<DecisionKind, 'none'>;

/** The rule that decided; stable strings for tests, metrics and the audit log. */
export type DecisionCode =
  | 'pause-idle'
  | 'delete-inactive'
  | 'warn-delete'
  | 'deleted'
  | 'state-unknown'
  | 'transitional'
  | 'protected-config'
  | 'protected-marker'
  | 'hold'
  | 'action-in-flight'
  | 'contested'
  | 'delete-waiting'
  | 'stopped'
  | 'too-young'
  | 'restart-grace'
  | 'no-data'
  | 'busy'
  | 'interactive'
  | 'unknown-reading'
  | 'not-idle'
  | 'gap'
  | 'clock-skew'
  | 'min-samples'
  | 'cannot-pause'
  | 'warn-pause'
  | 'policy-window';

export interface RuleCheck {
  /** Which condition, e.g. `coverage`. */
  rule: string;
  ok: boolean;
  /** One human line with the figures behind it. */
  detail: string;
}

export interface NextAction {
  kind: ActionKind;
  /** Epoch ms: the earliest time it could happen if nothing changes (<= now: now). */
  at: number;
}

export interface DecisionFigures {
  now: number;
  state: InstanceState;
  /** The source the figures come from (best current one); null when no source reported recently. */
  source: MetricSource | null;
  windowStart: number;
  windowEnd: number;
  /** Samples counted in the window (a lower bound: whole buckets only). */
  samples: number;
  minSamples: number;
  /** Max / mean utilization (%) of the counted samples; null when none was known. */
  utilMax: number | null;
  utilMean: number | null;
  thresholdPct: number;
  /** Latest busy reading (any source) touching the window. */
  busyAt: number | null;
  busyUtil: number | null;
  /** What made it busy, engine and GPU (`encoder 64 % on GPU 0`); null when not known. */
  busyWhy: string | null;
  /** Latest unknown reading (chosen or better source) touching the window. */
  unknownAt: number | null;
  lastSampleEnd: number | null;
  /** Largest gap known in the window, seconds; null without a current source. */
  largestGapSec: number | null;
  maxGapSec: number;
  covered: boolean;
  runningSince: number | null;
  /** Running and idle since (samples); null when not running or not idle right now. */
  idleSince: number | null;
  /** Start of the inactive stretch (idle while running, or stopped) the delete rule counts from. */
  inactiveSince: number | null;
  protection: readonly Protection[];
  holdUntil: number | null;
  /** Hours since createdAt; null when the provider does not say. */
  ageHours: number | null;
  /** A lower bound of the age in hours: ageHours, else the time since the controller first saw it; null when neither. */
  ageAtLeastHours: number | null;
  /** When the controller first saw the instance (the age's lower bound when the provider gives no creation time). */
  firstSeenAt: number | null;
  /** Latest terminal or notebook input the agent reported (busy kernel: when reported); null when none or not counted. */
  interactiveAt: number | null;
  /** The delete warning that counts for the current inactive stretch; null when none. */
  deleteWarnedAt: number | null;
  next: NextAction | null;
  /** The instance's own policy (name/label markers); absent from callers that predate it. */
  policy?: InstancePolicy;
  /** The pause warning that counts for this idle episode; null when none. */
  pauseWarnedAt?: number | null;
  /** Start of the episode the pause warning belongs to (the warn-pause decision key). */
  pauseWarnEpisode?: number | null;
  /** False alarms of the last 24 h (pause warnings called off by activity); absent from callers that predate it. */
  falseAlarms?: number;
  /** Why this spell's pause warning waits (false-alarms.ts); null when it goes out PAUSE_WARNING_MINUTES ahead. */
  pauseWarningHeldBack?: string | null;
  /** For a warn-pause: when the pause comes. */
  pauseAt?: number | null;
  /** For a warn-delete: when the delete comes at the earliest. */
  deleteAt?: number | null;
}

export interface Decision {
  instanceId: string;
  kind: DecisionKind;
  code: DecisionCode;
  /** One human line. */
  reason: string;
  figures: DecisionFigures;
  /** Each pause and delete condition with its outcome, in the order the rules list them; only with `checks: true`. */
  checks?: { pause: RuleCheck[]; delete: RuleCheck[] };
}
