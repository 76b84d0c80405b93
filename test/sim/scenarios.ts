// The named simulation runs: the seed's three scenarios (so the README's savings table is measured), the main fleet,
// and the fault runs, each as SimOptions for runSimulation().
import type { FaultSpec } from './faults';
import { fleetLayout, GPU_CATALOGUE, sharedTrace, type SimInstanceSpec, type SimProviderName } from './fleet';
import type { SimOptions } from './harness';
import type { Trace } from '../traces/trace';
import {
  ALL_TRACES,
  agentDies,
  burstyInference,
  forgotten,
  jobFinishesAtHour5,
  longTraining,
  migUnderLoad,
  notebookTwelveHours,
  userRestartsAfterPause,
} from '../traces/workloads';

const H = 3600;

function one(key: string, provider: SimProviderName, gpu: string, factory: (seed?: number) => Trace, seed: number): SimInstanceSpec {
  const model = GPU_CATALOGUE[provider].find((m) => m.gpu === gpu);
  if (!model) throw new Error(`no ${gpu} in the ${provider} catalogue`);
  return { key, provider, model, trace: sharedTrace(factory, seed) };
}

/**
 * A: one GPU idle 12 h a day, as the seed states it (its estimate: $720 a month becomes $360, 50 %): a notebook used
 * 08:00-20:00, an A100 on Google Cloud. The limit with a 30 min window: 11.5 / 24 = 47.9 % of the running price, less
 * storage while paused. (Before 2026-12-05 this ran the fleet's 09:00-18:00 notebook, idle 15 h: 60.0 %.)
 */
export function scenarioA(days = 7, seed = 1): SimOptions {
  return { name: 'A: one GPU idle 12 h a day', days, seed, instances: [one('a0', 'gcp', 'A100 40GB', notebookTwelveHours, 4)] };
}

/** B: five GPUs rented and forgotten, on all three providers. */
export function scenarioB(days = 7, seed = 1): SimOptions {
  return {
    name: 'B: five forgotten GPUs',
    days,
    seed,
    instances: [
      one('b0', 'vast', 'RTX 4090', forgotten, 51),
      one('b1', 'vast', 'H100 SXM', forgotten, 52),
      one('b2', 'tensordock', 'a100-pcie-80gb', forgotten, 53),
      one('b3', 'tensordock', 'geforcertx4090-pcie-24gb', forgotten, 54),
      one('b4', 'gcp', 'L4', forgotten, 55),
    ],
  };
}

/** C: batch workloads: jobs that finish and leave their GPU idle, and one resumed by its user for a second job. */
export function scenarioC(days = 7, seed = 1): SimOptions {
  return {
    name: 'C: batch workloads',
    days,
    seed,
    instances: [
      one('c0', 'vast', 'RTX A6000', jobFinishesAtHour5, 61),
      one('c1', 'gcp', 'T4', jobFinishesAtHour5, 62),
      one('c2', 'tensordock', 'h100-sxm5-80gb', userRestartsAfterPause, 63),
      one('c3', 'vast', 'RTX 4090', userRestartsAfterPause, 64),
    ],
  };
}

/** The main fleet: every workload on every provider, `count` instances. */
export function mainFleet(count = 200, days = 7, seed = 1): SimOptions {
  return { name: `fleet: ${count} instances`, days, seed, instances: fleetLayout({ count, traces: ALL_TRACES, seed }) };
}

/**
 * The fault runs' fleets. Short form: one instance per workload, providers rotated (9 instances: training on
 * TensorDock, forgotten on GCP...). Long form: every workload on every provider (27 instances).
 */
export function faultFleet(form: FaultForm, seed = 1): SimInstanceSpec[] {
  return form === 'short'
    ? fleetLayout({ count: ALL_TRACES.length, traces: ALL_TRACES, seed, rotate: true })
    : fleetLayout({ count: ALL_TRACES.length * 3, traces: ALL_TRACES, seed });
}

export type FaultForm = 'short' | 'long';

/** Host keys per form: which instance plays what where (see faultFleet). */
export const FAULT_HOSTS = {
  short: { training: 'i000', dataloader: 'i001', burstyVast: 'i002', notebook: 'i003', forgotten: 'i004', job: 'i005', agentDies: 'i007' },
  long: { training: 'i009', dataloader: 'i019', burstyVast: 'i002', notebook: 'i021', forgotten: 'i022', job: 'i023', agentDies: 'i016' },
} as const;

export type FaultRunName = 'controller-kill' | 'controller-kill-delete' | 'provider-errors' | 'mutation-outcome-unknown' | 'agent-offline' | 'clock-step';
export const FAULT_RUNS: readonly FaultRunName[] = [
  'controller-kill',
  'controller-kill-delete',
  'provider-errors',
  'mutation-outcome-unknown',
  'agent-offline',
  'clock-step',
];

/**
 * Each fault as its own run. Short form (npm test): 9 instances, 2.5 simulated hours, the fault once; the delete during
 * which the controller dies comes early because that run deletes after DELETE_THRESHOLD_HOURS=1.5. Long form (soak,
 * npm run simulate): 27 instances, 30 hours (the real 24 h delete threshold), the fault repeated across the run.
 */
export function faultRun(name: FaultRunName, opts: { form?: FaultForm; seed?: number } = {}): SimOptions & { faults: FaultSpec[] } {
  const form = opts.form ?? 'long';
  const seed = opts.seed ?? 1;
  const long = form === 'long';
  const base = { days: (long ? 30 : 2.5) / 24, seed, instances: faultFleet(form, seed) };
  const F = FAULT_HOSTS[form];
  // Fault windows (hours) around the moments the fleet acts: the first pauses (0.5 h), the batch jobs (5.5 h), the
  // notebooks' evening pauses (18.4 h) and, long form, the forgotten instances' delete (24 h).
  const windows: [number, number][] = long
    ? [
        [0.25, 1.3],
        [5.2, 6.0],
        [18.0, 18.8],
        [23.5, 24.5],
      ]
    : [[0.25, 1.3]];
  const label = (what: string) => `fault (${form}): ${what}`;
  switch (name) {
    case 'controller-kill':
      return {
        ...base,
        name: label('controller killed during a pause'),
        faults: long
          ? [
              { kind: 'controller-kill', atSec: 0.5 * H, op: 'pause', downSec: 120 },
              { kind: 'controller-kill', atSec: 18 * H, op: 'pause', downSec: 600 },
            ]
          : [{ kind: 'controller-kill', atSec: 0.5 * H, op: 'pause', downSec: 120 }],
      };
    case 'controller-kill-delete':
      return {
        ...base,
        days: long ? 27 / 24 : base.days,
        // Short form: a 1.5 h delete threshold, so only workloads nobody comes back to (a shorter threshold than a
        // user's absence deletes their instance: a wrong delete by configuration, not by the engine).
        env: long ? undefined : { DELETE_THRESHOLD_HOURS: '1.5', DELETE_WARNING_HOURS: '0.25' },
        instances: long
          ? base.instances
          : [
              one('d0', 'vast', 'RTX 4090', forgotten, 71),
              one('d1', 'gcp', 'L4', forgotten, 72),
              one('d2', 'tensordock', 'h100-sxm5-80gb', longTraining, 73),
              one('d3', 'gcp', 'A100 40GB', burstyInference, 74),
              one('d4', 'vast', 'H100 SXM', migUnderLoad, 75),
              one('d5', 'gcp', 'T4', agentDies, 76),
            ],
        name: label('controller killed during a delete'),
        faults: [{ kind: 'controller-kill', atSec: (long ? 20 : 1.2) * H, op: 'delete', downSec: 300 }],
      };
    case 'provider-errors':
      return {
        ...base,
        name: label('provider APIs failing (429, 500, timeouts)'),
        // GCP hangs only a few cycles: every hung request costs real time (the client's timeout).
        faults: windows.flatMap(([a, b]): FaultSpec[] => [
          { kind: 'provider-errors', provider: 'vast', fromSec: a * H, toSec: b * H, mode: '429-text' },
          { kind: 'provider-errors', provider: 'tensordock', fromSec: a * H, toSec: b * H, mode: '500' },
          { kind: 'provider-errors', provider: 'gcp', fromSec: a * H + 0.1 * H, toSec: a * H + 0.1 * H + (long ? 5 : 2) * 60, mode: 'hang' },
        ]),
      };
    case 'mutation-outcome-unknown':
      return {
        ...base,
        name: label('actions take effect but their answers are lost'),
        faults: windows.flatMap(([a, b]): FaultSpec[] => [
          { kind: 'provider-errors', provider: 'vast', fromSec: a * H, toSec: b * H, mode: '500-after', method: 'PUT' },
          { kind: 'provider-errors', provider: 'tensordock', fromSec: a * H, toSec: b * H, mode: 'reset-after', method: 'POST' },
          { kind: 'provider-errors', provider: 'gcp', fromSec: a * H, toSec: b * H, mode: '500-after', method: 'POST' },
          { kind: 'provider-errors', provider: 'vast', fromSec: a * H, toSec: b * H, mode: '500-after', method: 'DELETE' },
          { kind: 'provider-errors', provider: 'tensordock', fromSec: a * H, toSec: b * H, mode: 'reset-after', method: 'DELETE' },
          { kind: 'provider-errors', provider: 'gcp', fromSec: a * H, toSec: b * H, mode: '500-after', method: 'DELETE' },
        ]),
      };
    case 'agent-offline':
      return {
        ...base,
        name: label('agent networks down for 45 min, then replayed'),
        faults: [
          { kind: 'agent-offline', instanceKey: F.training, fromSec: 1.5 * H, durationSec: 45 * 60 },
          { kind: 'agent-offline', instanceKey: F.dataloader, fromSec: 1.25 * H, durationSec: 45 * 60 },
          { kind: 'agent-offline', instanceKey: F.forgotten, fromSec: 0.25 * H, durationSec: 45 * 60 },
          ...(long
            ? ([
                { kind: 'agent-offline', instanceKey: F.job, fromSec: 4.5 * H, durationSec: 45 * 60 },
                { kind: 'agent-offline', instanceKey: F.notebook, fromSec: 11 * H, durationSec: 45 * 60 },
              ] as FaultSpec[])
            : []),
        ],
      };
    case 'clock-step':
      return {
        ...base,
        name: label('host clocks step +2 h / -30 min'),
        faults: [
          { kind: 'clock-step', instanceKey: F.training, atSec: 1.5 * H, stepMs: 2 * H * 1000 },
          { kind: 'clock-step', instanceKey: F.dataloader, atSec: 1.5 * H, stepMs: -30 * 60_000 },
          { kind: 'clock-step', instanceKey: F.forgotten, atSec: 0.25 * H, stepMs: -30 * 60_000 },
          ...(long
            ? ([
                { kind: 'clock-step', instanceKey: F.job, atSec: 5.2 * H, stepMs: 2 * H * 1000 },
                { kind: 'clock-step', instanceKey: F.notebook, atSec: 11 * H, stepMs: -30 * 60_000 },
              ] as FaultSpec[])
            : []),
        ],
      };
  }
}

/**
 * A bursty inference server on Vast whose agent is cut off for 45 min: the controller falls back to Vast's own
 * gpu_util, a snapshot per cycle that misses the bursts. This run found the engine pausing it (a wrong pause); the
 * provider's figure alone no longer pauses (PROVIDER_METRIC_PAUSE), and this run checks that it stays so.
 */
export function vastProviderFallbackRun(hours = 4, seed = 1): SimOptions & { faults: FaultSpec[] } {
  return {
    days: hours / 24,
    seed,
    name: 'probe: bursty Vast host, agent offline 45 min (provider gpu_util fallback)',
    instances: [one('v0', 'vast', 'RTX 4090', burstyInference, 3), one('v1', 'vast', 'RTX 4090', longTraining, 1), one('v2', 'vast', 'RTX 4090', agentDies, 8)],
    faults: [{ kind: 'agent-offline', instanceKey: 'v0', fromSec: 2 * H, durationSec: 45 * 60 }],
  };
}
