// Table-driven tests of decide(): one row per rule and per safety case, each with the expected kind, code and reason.
import { describe, expect, it } from 'vitest';
import type { EngineConfig } from '../config/config';
import type { InstanceState } from '../domain/instance';
import type { InteractiveActivity } from '../domain/interactive';
import type { SampleSummary } from '../domain/sample';
import { decide, decideOne } from './decide';
import type { IdleState } from './idle-state';
import { observeInventory } from './observe-inventory';
import { engineConfig, engineInstance, feed, HOUR, MIN, sample, stream, T0 } from '../../../test/support/engine-test-kit';
import type { DecideOptions, DecisionCode, DecisionKind, EngineInstance } from './types';

const NOW = T0;
const cfg = engineConfig();

interface Setup {
  inst: EngineInstance;
  st: IdleState | null;
  now?: number;
  cfg?: EngineConfig;
  opts?: DecideOptions;
}

/** Seen running at `seenAt`, then fed `samples` (default: 10 s agent samples at 3 % from seenAt to NOW). */
function running(o: { seenAt?: number; samples?: SampleSummary[]; inst?: Partial<EngineInstance>; cfg?: EngineConfig } = {}): Setup {
  const c = o.cfg ?? cfg;
  const seenAt = o.seenAt ?? NOW - 2 * HOUR;
  let st = observeInventory(null, { state: 'running' }, seenAt, c);
  st = feed(st, o.samples ?? stream(seenAt, NOW, 10_000, 3), c);
  return { inst: engineInstance(o.inst), st, cfg: c };
}

/** Idle for a while, then stopped at `stoppedAt` (seen stopped from then on). */
function stopped(o: { idleFrom: number; stoppedAt: number; inst?: Partial<EngineInstance>; state?: InstanceState; cfg?: EngineConfig }): Setup {
  const c = o.cfg ?? cfg;
  let st = observeInventory(null, { state: 'running' }, o.idleFrom, c);
  st = feed(st, stream(o.idleFrom, o.stoppedAt, 10_000, 2), c);
  st = observeInventory(st, { state: 'stopped' }, o.stoppedAt + 30_000, c);
  st = observeInventory(st, { state: 'stopped' }, NOW - MIN, c);
  return { inst: engineInstance({ state: o.state ?? 'stopped', rawState: 'exited', ...o.inst }), st, cfg: c };
}

/** An agent's interactive report made at NOW: no terminal input, no Jupyter server, unless overridden. */
const keys = (o: Partial<InteractiveActivity>): InteractiveActivity => ({
  reportedAt: NOW - 5_000,
  terminalInputAt: null,
  terminals: 'ok',
  notebookActivityAt: null,
  notebookBusy: false,
  notebooks: 'none',
  ...o,
});
const idleWith = (...extra: SampleSummary[]) => [...stream(NOW - 2 * HOUR, NOW, 10_000, 3), ...extra];
const withGap = (gapStart: number, gapEnd: number) => stream(NOW - 2 * HOUR, NOW, 10_000, 3).filter((s) => s.t1 <= gapStart || s.t0 >= gapEnd);

interface Row {
  name: string;
  setup: () => Setup;
  kind: DecisionKind;
  code: DecisionCode;
  reason: string;
}

const rows: Row[] = [
  // pause rule
  {
    name: 'idle agent samples covering the window',
    setup: () => running(),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'GPU avg=3.0% max=3.0% over 30 min, 180 samples from agent (threshold=10.0%)',
  },
  {
    name: 'one busy sample in the window',
    setup: () => running({ samples: idleWith(sample(NOW - 10 * MIN, NOW - 10 * MIN + 10_000, 55)) }),
    kind: 'none',
    code: 'busy',
    reason: 'GPU busy: 55.0% from agent',
  },
  {
    name: 'a reading exactly at the threshold is busy',
    setup: () => running({ samples: stream(NOW - 2 * HOUR, NOW, 10_000, (t) => (t === NOW - 20 * MIN ? 10 : 3)) }),
    kind: 'none',
    code: 'busy',
    reason: '10.0%',
  },
  {
    name: 'busy before the window only',
    setup: () => running({ samples: stream(NOW - 2 * HOUR, NOW, 10_000, (t) => (t < NOW - 40 * MIN ? 90 : 3)) }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  {
    name: 'busy mean with a low max is still busy',
    setup: () => running({ samples: idleWith(sample(NOW - 5 * MIN, NOW - 5 * MIN + 10_000, 5, { utilMean: 20 })) }),
    kind: 'none',
    code: 'busy',
    reason: 'GPU busy',
  },
  {
    name: 'unknown reading ([N/A]) in the window',
    setup: () => running({ samples: idleWith(sample(NOW - 5 * MIN, NOW - 5 * MIN + 10_000, null)) }),
    kind: 'none',
    code: 'unknown-reading',
    reason: 'unknown is never idle',
  },
  {
    name: 'known value but flagged unknown',
    setup: () => running({ samples: idleWith(sample(NOW - 5 * MIN, NOW - 5 * MIN + 10_000, 2, { unknown: true })) }),
    kind: 'none',
    code: 'unknown-reading',
    reason: 'unknown',
  },
  {
    name: 'sample with no readings (count 0)',
    setup: () => running({ samples: idleWith(sample(NOW - 5 * MIN, NOW - 5 * MIN + 10_000, 2, { count: 0 })) }),
    kind: 'none',
    code: 'unknown-reading',
    reason: 'unknown',
  },
  {
    name: 'gap longer than maxGap in the window',
    setup: () => running({ samples: withGap(NOW - 20 * MIN, NOW - 16 * MIN) }),
    kind: 'none',
    code: 'gap',
    reason: 'cover only the last 16 min',
  },
  {
    name: 'gap just under maxGap is covered',
    setup: () => running({ samples: withGap(NOW - 20 * MIN, NOW - 17 * MIN - 10_000) }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'samples from agent',
  },
  {
    name: 'no sample for 4 min (agent gone)',
    setup: () => running({ samples: stream(NOW - 2 * HOUR, NOW - 4 * MIN, 10_000, 3) }),
    kind: 'none',
    code: 'no-data',
    reason: 'missing data is never idle',
  },
  {
    name: 'last sample 2.5 min ago is still recent',
    setup: () => running({ samples: stream(NOW - 2 * HOUR, NOW - 150_000, 10_000, 3) }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  { name: 'no samples at all', setup: () => running({ samples: [] }), kind: 'none', code: 'no-data', reason: 'no sample from any source' },
  {
    name: 'fewer than MIN_SAMPLES',
    setup: () => running({ cfg: engineConfig({ minSamples: 20 }), samples: stream(NOW - 2 * HOUR, NOW, 120_000, 3) }),
    kind: 'none',
    code: 'min-samples',
    reason: 'samples counted in the last 30 min (minimum 20)',
  },
  {
    name: 'restart grace: seen running 20 min ago',
    setup: () => running({ seenAt: NOW - 20 * MIN }),
    kind: 'none',
    code: 'restart-grace',
    reason: 'the idle clock restarted then',
  },
  {
    name: 'restart grace: idle samples before the restart do not count',
    setup: () => restarted(NOW - 20 * MIN),
    kind: 'none',
    code: 'restart-grace',
    reason: 'needs 30 min',
  },
  { name: 'restart grace: a full window after the restart', setup: () => restarted(NOW - 31 * MIN), kind: 'pause', code: 'pause-idle', reason: 'over 30 min' },
  {
    name: 'not running: stopped',
    setup: () => stopped({ idleFrom: NOW - 3 * HOUR, stoppedAt: NOW - 2 * HOUR }),
    kind: 'none',
    code: 'stopped',
    reason: 'stopped, inactive since',
  },
  {
    name: 'not running: starting',
    setup: () => ({ ...running(), inst: engineInstance({ state: 'starting', rawState: 'loading' }) }),
    kind: 'none',
    code: 'transitional',
    reason: 'starting',
  },
  {
    name: 'not running: stopping',
    setup: () => ({ ...running(), inst: engineInstance({ state: 'stopping', rawState: 'stopping' }) }),
    kind: 'none',
    code: 'transitional',
    reason: 'stopping',
  },
  {
    name: 'state unknown',
    setup: () => ({ ...running(), inst: engineInstance({ state: 'unknown', rawState: 'offline' }) }),
    kind: 'none',
    code: 'state-unknown',
    reason: 'provider: offline',
  },
  {
    name: 'already deleted',
    setup: () => ({ ...running(), inst: engineInstance({ state: 'deleted', rawState: 'unloaded' }) }),
    kind: 'none',
    code: 'deleted',
    reason: 'already deleted',
  },
  {
    name: 'a state name outside the list (adapter bug) is never acted on',
    setup: () => ({ ...running(), inst: engineInstance({ state: 'paused' as never, rawState: 'paused' }) }),
    kind: 'none',
    code: 'transitional',
    reason: 'only a running instance is paused',
  },
  {
    name: 'createdAt not a number: dated by the first sighting',
    setup: () => stopped({ idleFrom: NOW - 30 * HOUR, stoppedAt: NOW - 29 * HOUR, inst: { createdAt: Number.NaN, deleteWarnedAt: NOW - 2 * HOUR } }),
    kind: 'delete',
    code: 'delete-inactive',
    reason: 'inactive 1.3 d since 2024-12-30T18:00:00.000Z (stopped)',
  },
  {
    name: 'createdAt unknown and never seen by the controller: not deleted',
    setup: () => ({
      ...stopped({ idleFrom: NOW - 30 * HOUR, stoppedAt: NOW - 29 * HOUR, inst: { createdAt: null, deleteWarnedAt: NOW - 2 * HOUR } }),
      st: null,
    }),
    kind: 'none',
    code: 'stopped',
    reason: 'stopped',
  },
  {
    name: 'provider says running but observeInventory not told',
    setup: () => ({ inst: engineInstance(), st: feed(null, stream(NOW - 2 * HOUR, NOW, 10_000, 3), cfg) }),
    kind: 'none',
    code: 'restart-grace',
    reason: 'not seen running yet',
  },
  // protection
  {
    name: 'protected by id in PROTECTED_INSTANCES',
    setup: () => running({ cfg: engineConfig({ protectedInstances: ['vast:123456'] }) }),
    kind: 'none',
    code: 'protected-config',
    reason: 'PROTECTED_INSTANCES lists "vast:123456"',
  },
  {
    name: 'protected by name (case-insensitive)',
    setup: () => running({ cfg: engineConfig({ protectedInstances: ['ml training job'] }) }),
    kind: 'none',
    code: 'protected-config',
    reason: 'PROTECTED_INSTANCES',
  },
  {
    name: 'protected by the provider id alone',
    setup: () => running({ cfg: engineConfig({ protectedInstances: [' 123456 '] }) }),
    kind: 'none',
    code: 'protected-config',
    reason: 'PROTECTED_INSTANCES',
  },
  {
    name: 'Vast label marker [protect]',
    setup: () => running({ inst: { name: 'train-llama [Protect]' } }),
    kind: 'none',
    code: 'protected-marker',
    reason: 'contains [protect]',
  },
  {
    name: 'GCP label cost-optimizer-protect=true',
    setup: () => running({ inst: { id: 'gcp:us-central1-a/t1', provider: 'gcp', name: 't1', labels: { 'cost-optimizer-protect': 'true' } } }),
    kind: 'none',
    code: 'protected-marker',
    reason: 'cost-optimizer-protect=true',
  },
  {
    name: 'GCP label set to false does not protect',
    setup: () => running({ inst: { provider: 'gcp', labels: { 'cost-optimizer-protect': 'false' } } }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  { name: 'active hold', setup: () => running({ inst: { holdUntil: NOW + HOUR } }), kind: 'none', code: 'hold', reason: 'held until 2025-01-01T01:00:00.000Z' },
  {
    name: 'hold with a non-numeric end still holds',
    setup: () => running({ inst: { holdUntil: Number.NaN } }),
    kind: 'none',
    code: 'hold',
    reason: 'held until further notice',
  },
  { name: 'expired hold', setup: () => running({ inst: { holdUntil: NOW - 1 } }), kind: 'pause', code: 'pause-idle', reason: 'over 30 min' },
  // age
  // age gates deletes only: the seed's pause rule has no age condition
  {
    name: 'young but idle for a whole window: paused',
    setup: () => running({ inst: { createdAt: NOW - 50 * MIN } }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  {
    name: 'unknown createdAt, watched for 2 h: pause allowed',
    setup: () => running({ inst: { createdAt: null } }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  {
    name: 'unknown createdAt, watched for 40 min: pause allowed',
    setup: () => running({ seenAt: NOW - 40 * MIN, inst: { createdAt: null } }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  // people at the keyboard (INTERACTIVE_ACTIVITY)
  {
    name: 'terminal input 3 min ago keeps a GPU-idle instance',
    setup: () => running({ inst: { interactive: keys({ terminalInputAt: NOW - 3 * MIN }) } }),
    kind: 'none',
    code: 'interactive',
    reason: 'kept: terminal input 3 min ago',
  },
  {
    name: 'terminal untouched for 2 h: paused',
    setup: () => running({ inst: { interactive: keys({ terminalInputAt: NOW - 2 * HOUR }) } }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  {
    name: 'notebook kernel busy keeps it',
    setup: () => running({ inst: { interactive: keys({ notebooks: 'ok', notebookBusy: true, notebookActivityAt: NOW - 40 * MIN }) } }),
    kind: 'none',
    code: 'interactive',
    reason: 'kept: notebook kernel busy',
  },
  {
    name: 'notebook kernel run 10 min ago keeps it',
    setup: () => running({ inst: { interactive: keys({ notebooks: 'ok', notebookActivityAt: NOW - 10 * MIN }) } }),
    kind: 'none',
    code: 'interactive',
    reason: 'kept: notebook kernel activity 10 min ago',
  },
  {
    name: 'notebook left on overnight, kernel idle for hours: paused',
    setup: () => running({ inst: { interactive: keys({ notebooks: 'ok', notebookActivityAt: NOW - 9 * HOUR, terminalInputAt: NOW - 9 * HOUR }) } }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  {
    name: 'terminals unreadable and no Jupyter: no evidence, paused',
    setup: () => running({ inst: { interactive: keys({ terminals: 'unreadable' }) } }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  {
    name: 'INTERACTIVE_ACTIVITY=false: input does not keep it',
    setup: () => running({ cfg: engineConfig({ interactiveActivity: false }), inst: { interactive: keys({ terminalInputAt: NOW - MIN }) } }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  {
    name: 'running GPU-idle 25 h, warned, typed into 10 min ago: not deleted',
    setup: () =>
      running({
        seenAt: NOW - 25 * HOUR,
        samples: stream(NOW - 25 * HOUR, NOW, 10_000, 1),
        inst: { deleteWarnedAt: NOW - 2 * HOUR, interactive: keys({ terminalInputAt: NOW - 10 * MIN }) },
      }),
    kind: 'none',
    code: 'interactive',
    reason: 'kept: terminal input 10 min ago',
  },
  {
    name: 'stopped 23.5 h after a GPU-idle debugging session whose last keystroke was 22 h ago: no warning yet',
    setup: () =>
      stopped({
        idleFrom: NOW - 23.5 * HOUR,
        stoppedAt: NOW - 21.5 * HOUR,
        inst: { interactive: keys({ reportedAt: NOW - 21.6 * HOUR, terminalInputAt: NOW - 22 * HOUR }) },
      }),
    kind: 'none',
    code: 'stopped',
    reason: 'inactive since 2024-12-31T02:00:00.000Z',
  },
  // sources
  {
    name: 'provider readings alone (Vast gpu_util), PROVIDER_METRIC_PAUSE=true',
    setup: () => running({ cfg: engineConfig({ providerMetricPause: true }), samples: stream(NOW - 2 * HOUR, NOW, 60_000, 0, 'provider') }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'samples from provider',
  },
  {
    name: 'provider readings alone, by default: not enough to pause',
    setup: () => running({ samples: stream(NOW - 2 * HOUR, NOW, 60_000, 0, 'provider') }),
    kind: 'none',
    code: 'no-data',
    reason: 'provider',
  },
  {
    name: 'agent idle but provider busy: any busy reading vetoes',
    setup: () => running({ samples: [...stream(NOW - 2 * HOUR, NOW, 10_000, 3), ...stream(NOW - 2 * HOUR, NOW, 60_000, 40, 'provider')] }),
    kind: 'none',
    code: 'busy',
    reason: 'from provider',
  },
  {
    name: 'agent idle, provider unknown: a worse source does not veto',
    setup: () => running({ samples: [...stream(NOW - 2 * HOUR, NOW, 10_000, 3), ...stream(NOW - 2 * HOUR, NOW, 60_000, null, 'provider')] }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'from agent',
  },
  {
    name: 'agent went silent after an unknown reading; provider idle',
    setup: () =>
      running({
        samples: [
          ...stream(NOW - 2 * HOUR, NOW - 10 * MIN, 10_000, (t) => (t >= NOW - 11 * MIN ? null : 3)),
          ...stream(NOW - 2 * HOUR, NOW, 60_000, 0, 'provider'),
        ],
      }),
    kind: 'none',
    code: 'unknown-reading',
    reason: 'from agent',
  },
  {
    name: 'a late busy sample inside the idle run throws the run away',
    setup: () => running({ samples: idleWith(sample(NOW - 50 * MIN, NOW - 50 * MIN + 10_000, 80)) }),
    kind: 'none',
    code: 'not-idle',
    reason: 'is not idle',
  },
  {
    name: 'a late idle sample cannot fill a gap',
    setup: () => running({ samples: [...withGap(NOW - 20 * MIN, NOW - 16 * MIN), ...stream(NOW - 20 * MIN, NOW - 16 * MIN, 10_000, 3)] }),
    kind: 'none',
    code: 'gap',
    reason: 'cover only the last 16 min',
  },
  {
    name: 'duplicated samples (agent replay) are counted once',
    setup: () =>
      running({ cfg: engineConfig({ minSamples: 181 }), samples: [...stream(NOW - 2 * HOUR, NOW, 10_000, 3), ...stream(NOW - 40 * MIN, NOW, 10_000, 3)] }),
    kind: 'none',
    code: 'min-samples',
    reason: '180 samples counted',
  },
  {
    name: 'threshold lowered after a restart: runs built under 10 % are not trusted',
    setup: () => ({ ...running({ samples: stream(NOW - 2 * HOUR, NOW, 10_000, 7) }), cfg: engineConfig({ pauseThresholdGpu: 5 }) }),
    kind: 'none',
    code: 'not-idle',
    reason: 'setting changed',
  },
  {
    name: 'threshold lowered, new samples at 7 % are busy',
    setup: () => {
      const s = running({ samples: stream(NOW - 2 * HOUR, NOW - MIN, 10_000, 7) });
      return { ...s, st: feed(s.st, stream(NOW - MIN, NOW, 10_000, 7), engineConfig({ pauseThresholdGpu: 5 })), cfg: engineConfig({ pauseThresholdGpu: 5 }) };
    },
    kind: 'none',
    code: 'busy',
    reason: 'GPU busy: 7.0%',
  },
  {
    name: 'controller says no live source',
    setup: () => running({ inst: { metricSource: 'none' } }),
    kind: 'none',
    code: 'no-data',
    reason: 'no live metric source',
  },
  {
    name: 'samples stamped in the future (clock skew)',
    setup: () => running({ samples: stream(NOW - 2 * HOUR, NOW + 10 * MIN, 10_000, 3) }),
    kind: 'none',
    code: 'clock-skew',
    reason: 'in the future',
  },
  {
    name: 'source none is never idle',
    setup: () => running({ samples: stream(NOW - 2 * HOUR, NOW, 10_000, 0, 'none') }),
    kind: 'none',
    code: 'unknown-reading',
    reason: 'from none',
  },
  // in-flight and capabilities
  {
    name: 'pause planned 1 min ago',
    setup: () => running({ inst: { lastAction: { kind: 'pause', status: 'planned', at: NOW - MIN } } }),
    kind: 'none',
    code: 'action-in-flight',
    reason: 'a pause is in progress',
  },
  {
    name: 'pause done 1 min ago, provider still shows running',
    setup: () => running({ inst: { lastAction: { kind: 'pause', status: 'succeeded', at: NOW - MIN } } }),
    kind: 'none',
    code: 'action-in-flight',
    reason: 'waiting for the provider',
  },
  {
    name: 'paused 40 min ago and resumed before any inventory saw it stopped: the old warning no longer counts',
    setup: () =>
      running({
        seenAt: NOW - 25 * HOUR,
        samples: stream(NOW - 25 * HOUR, NOW, 10_000, 1),
        inst: { deleteWarnedAt: NOW - 2 * HOUR, lastAction: { kind: 'pause', status: 'succeeded', at: NOW - 40 * MIN } },
      }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  {
    name: 'paused, resumed, then a full idle window: pause again',
    setup: () => running({ inst: { lastAction: { kind: 'pause', status: 'succeeded', at: NOW - 31 * MIN } } }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  {
    name: 'pause failed 1 min ago: try again',
    setup: () => running({ inst: { lastAction: { kind: 'pause', status: 'failed', at: NOW - MIN } } }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  {
    name: 'stale planned pause from 2 h ago',
    setup: () => running({ inst: { lastAction: { kind: 'pause', status: 'planned', at: NOW - 2 * HOUR } } }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  {
    name: 'provider cannot pause',
    setup: () => ({ ...running(), opts: { capabilities: { vast: { canPause: false, canDelete: true } } } }),
    kind: 'none',
    code: 'cannot-pause',
    reason: 'cannot pause',
  },
  // delete rule
  {
    name: 'stopped 22 h: nothing yet',
    setup: () => stopped({ idleFrom: NOW - 22 * HOUR, stoppedAt: NOW - 21 * HOUR }),
    kind: 'none',
    code: 'stopped',
    reason: 'delete warning due at 2025-01-01T01:00:00.001Z',
  },
  {
    name: 'inactive 23.5 h (idle 1 h then stopped): warn first',
    setup: () => stopped({ idleFrom: NOW - 23.5 * HOUR, stoppedAt: NOW - 22.5 * HOUR }),
    kind: 'warn-delete',
    code: 'warn-delete',
    reason: 'will be deleted at 2025-01-01T01:00:00.000Z unless activity returns',
  },
  {
    name: 'inactive 25 h, never warned: warn, not delete',
    setup: () => stopped({ idleFrom: NOW - 25 * HOUR, stoppedAt: NOW - 24 * HOUR }),
    kind: 'warn-delete',
    code: 'warn-delete',
    reason: 'inactive 1 d',
  },
  {
    name: 'inactive 25 h, warned 1.5 h ago: delete',
    setup: () => stopped({ idleFrom: NOW - 25 * HOUR, stoppedAt: NOW - 24 * HOUR, inst: { deleteWarnedAt: NOW - 1.5 * HOUR } }),
    kind: 'delete',
    code: 'delete-inactive',
    reason: 'warned 1.5 h ago',
  },
  {
    name: 'inactive 25 h, warned 30 min ago: wait',
    setup: () => stopped({ idleFrom: NOW - 25 * HOUR, stoppedAt: NOW - 24 * HOUR, inst: { deleteWarnedAt: NOW - 30 * MIN } }),
    kind: 'none',
    code: 'delete-waiting',
    reason: 'delete at 2025-01-01T00:30:00.000Z',
  },
  {
    name: 'warning from before the inactive stretch does not count',
    setup: () => stopped({ idleFrom: NOW - 25 * HOUR, stoppedAt: NOW - 24 * HOUR, inst: { deleteWarnedAt: NOW - 30 * HOUR } }),
    kind: 'warn-delete',
    code: 'warn-delete',
    reason: 'unless activity returns',
  },
  // a provider that cannot date its instances (TensorDock v2): the first sighting is a lower bound of the age
  {
    name: 'unknown createdAt, first seen 30 h ago, warned: deleted',
    setup: () => stopped({ idleFrom: NOW - 30 * HOUR, stoppedAt: NOW - 29 * HOUR, inst: { createdAt: null, deleteWarnedAt: NOW - 2 * HOUR } }),
    kind: 'delete',
    code: 'delete-inactive',
    reason: 'warned 2 h ago',
  },
  {
    name: 'unknown createdAt, first seen 30 h ago, not warned: warned first',
    setup: () => stopped({ idleFrom: NOW - 30 * HOUR, stoppedAt: NOW - 29 * HOUR, inst: { createdAt: null } }),
    kind: 'warn-delete',
    code: 'warn-delete',
    reason: 'unless activity returns',
  },
  {
    name: 'unknown createdAt, first seen 30 h ago, MIN_INSTANCE_AGE_HOURS 48: too young',
    setup: () =>
      stopped({
        cfg: engineConfig({ minInstanceAgeHours: 48 }),
        idleFrom: NOW - 30 * HOUR,
        stoppedAt: NOW - 29 * HOUR,
        inst: { createdAt: null, deleteWarnedAt: NOW - 2 * HOUR },
      }),
    kind: 'none',
    code: 'too-young',
    reason: 'age >= 1.3 d (first seen 2024-12-30T18:00:00.000Z; provider gives no creation time) (minimum 48 h): not deleted yet',
  },
  {
    name: 'too young to delete',
    setup: () =>
      stopped({
        cfg: engineConfig({ minInstanceAgeHours: 72 }),
        idleFrom: NOW - 30 * HOUR,
        stoppedAt: NOW - 29 * HOUR,
        inst: { deleteWarnedAt: NOW - 2 * HOUR },
      }),
    kind: 'none',
    code: 'too-young',
    reason: 'minimum 72 h',
  },
  {
    name: 'protected stopped instance is never deleted',
    setup: () => stopped({ idleFrom: NOW - 30 * HOUR, stoppedAt: NOW - 29 * HOUR, inst: { name: 'keep me [protect]', deleteWarnedAt: NOW - 2 * HOUR } }),
    kind: 'none',
    code: 'protected-marker',
    reason: 'protected',
  },
  {
    name: 'held stopped instance is never deleted',
    setup: () => stopped({ idleFrom: NOW - 30 * HOUR, stoppedAt: NOW - 29 * HOUR, inst: { holdUntil: NOW + 1, deleteWarnedAt: NOW - 2 * HOUR } }),
    kind: 'none',
    code: 'hold',
    reason: 'held until',
  },
  {
    name: 'stopped, state unknown now: never acted on',
    setup: () => stopped({ idleFrom: NOW - 30 * HOUR, stoppedAt: NOW - 29 * HOUR, state: 'unknown', inst: { deleteWarnedAt: NOW - 2 * HOUR } }),
    kind: 'none',
    code: 'state-unknown',
    reason: 'never acted on',
  },
  {
    name: 'stopping is not settled: no delete',
    setup: () => stopped({ idleFrom: NOW - 30 * HOUR, stoppedAt: NOW - 29 * HOUR, state: 'stopping', inst: { deleteWarnedAt: NOW - 2 * HOUR } }),
    kind: 'none',
    code: 'transitional',
    reason: 'stopping',
  },
  {
    name: 'delete planned: nothing else',
    setup: () =>
      stopped({
        idleFrom: NOW - 30 * HOUR,
        stoppedAt: NOW - 29 * HOUR,
        inst: { deleteWarnedAt: NOW - 2 * HOUR, lastAction: { kind: 'delete', status: 'planned', at: NOW - MIN } },
      }),
    kind: 'none',
    code: 'action-in-flight',
    reason: 'a delete is in progress',
  },
  {
    name: 'provider cannot delete',
    setup: () => ({
      ...stopped({ idleFrom: NOW - 30 * HOUR, stoppedAt: NOW - 29 * HOUR, inst: { deleteWarnedAt: NOW - 2 * HOUR } }),
      opts: { capabilities: { vast: { canPause: true, canDelete: false } } },
    }),
    kind: 'none',
    code: 'stopped',
    reason: 'cannot delete',
  },
  {
    name: 'running and idle for 25 h, warned: delete',
    setup: () => running({ seenAt: NOW - 25 * HOUR, samples: stream(NOW - 25 * HOUR, NOW, 10_000, 1), inst: { deleteWarnedAt: NOW - 2 * HOUR } }),
    kind: 'delete',
    code: 'delete-inactive',
    reason: '(running)',
  },
  {
    name: 'running idle 25 h with a 5 min gap 3 h ago: the clock restarted, pause instead',
    setup: () =>
      running({
        seenAt: NOW - 25 * HOUR,
        samples: stream(NOW - 25 * HOUR, NOW, 10_000, 1).filter((s) => s.t1 <= NOW - 3 * HOUR || s.t0 >= NOW - 3 * HOUR + 5 * MIN),
        inst: { deleteWarnedAt: NOW - 2 * HOUR },
      }),
    kind: 'pause',
    code: 'pause-idle',
    reason: 'over 30 min',
  },
  {
    name: 'running idle 23.5 h: warning before pause',
    setup: () => running({ seenAt: NOW - 23.5 * HOUR, samples: stream(NOW - 23.5 * HOUR, NOW, 10_000, 1) }),
    kind: 'warn-delete',
    code: 'warn-delete',
    reason: '(running)',
  },
];

function restarted(at: number): Setup {
  let st = observeInventory(null, { state: 'running' }, NOW - 3 * HOUR, cfg);
  st = feed(st, stream(NOW - 3 * HOUR, at - 5 * MIN, 10_000, 3), cfg);
  st = observeInventory(st, { state: 'stopped' }, at - 4 * MIN, cfg);
  st = observeInventory(st, { state: 'running' }, at, cfg);
  st = feed(st, stream(at - 30_000, NOW, 10_000, 3), cfg); // includes samples straddling the restart
  return { inst: engineInstance(), st, cfg };
}

describe('decide: rules and safety cases', () => {
  it.each(rows)('$name -> $kind ($code)', (row) => {
    const s = row.setup();
    const d = decideOne(s.inst, s.st, s.cfg ?? cfg, s.now ?? NOW, s.opts);
    expect({ kind: d.kind, code: d.code }).toEqual({ kind: row.kind, code: row.code });
    expect(d.reason).toContain(row.reason);
    expect(d.instanceId).toBe(s.inst.id);
    // With the rule checks on, the decision is the same and the checks agree with it.
    const withChecks = decideOne(s.inst, s.st, s.cfg ?? cfg, s.now ?? NOW, { ...s.opts, checks: true });
    expect({ ...withChecks, checks: undefined }).toEqual({ ...d, checks: undefined });
    if (d.kind === 'pause') expect(withChecks.checks!.pause.every((c) => c.ok)).toBe(true);
    if (d.kind === 'delete') expect(withChecks.checks!.delete.every((c) => c.ok)).toBe(true);
    if (d.kind !== 'pause') expect(withChecks.checks!.pause.some((c) => !c.ok) || d.kind !== 'none').toBe(true);
  });
});

describe('decide: figures', () => {
  it('reports the window, counts, utilization, coverage and the next action', () => {
    const s = running({ seenAt: NOW - 20 * MIN });
    const d = decideOne(s.inst, s.st, cfg, NOW);
    expect(d.figures).toMatchObject({
      source: 'agent',
      windowStart: NOW - 30 * MIN,
      windowEnd: NOW,
      utilMax: 3,
      utilMean: 3,
      covered: false,
      runningSince: NOW - 20 * MIN,
      idleSince: NOW - 20 * MIN,
      maxGapSec: 180,
      next: { kind: 'pause', at: NOW + 10 * MIN },
    });
    expect(d.figures.samples).toBeLessThanOrEqual(120);
    expect(d.figures.samples).toBeGreaterThan(100);
  });

  it('the delete warning and delete times follow the inactive clock', () => {
    const s = stopped({ idleFrom: NOW - 10 * HOUR, stoppedAt: NOW - 9 * HOUR });
    const d = decideOne(s.inst, s.st, cfg, NOW);
    expect(d.figures.inactiveSince).toBe(NOW - 10 * HOUR); // idle -> paused is one stretch
    expect(d.figures.next).toEqual({ kind: 'warn-delete', at: NOW - 10 * HOUR + 23 * HOUR + 1 });
  });

  it('a protected instance has no next action; a held one waits for the hold', () => {
    const p = running({ inst: { name: 'x [protect]' } });
    expect(decideOne(p.inst, p.st, cfg, NOW).figures.next).toBeNull();
    const h = running({ inst: { holdUntil: NOW + 5 * HOUR } });
    expect(decideOne(h.inst, h.st, cfg, NOW).figures.next).toEqual({ kind: 'pause', at: NOW + 5 * HOUR });
  });

  it('decide() maps ids through a Map or a plain record and keeps the order', () => {
    const a = running({ inst: { id: 'vast:1', providerId: '1' } });
    const b = running({ inst: { id: 'vast:2', providerId: '2', holdUntil: NOW + HOUR } });
    const viaMap = decide(
      [a.inst, b.inst],
      new Map([
        ['vast:1', a.st!],
        ['vast:2', b.st!],
      ]),
      cfg,
      NOW,
    );
    const viaRecord = decide([a.inst, b.inst], { 'vast:1': a.st!, 'vast:2': b.st! }, cfg, NOW);
    expect(viaMap.map((d) => [d.instanceId, d.kind])).toEqual([
      ['vast:1', 'pause'],
      ['vast:2', 'none'],
    ]);
    expect(viaRecord).toEqual(viaMap);
    // An id like "constructor" must not pick up Object.prototype members.
    const c = running({ inst: { id: 'constructor' } });
    expect(decide([c.inst], {}, cfg, NOW)[0]!.code).toBe('no-data');
  });
});
