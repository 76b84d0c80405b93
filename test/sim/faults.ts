// Fault injection for the simulator: what can go wrong around the optimizer, when, and how each fault is measured.
//   controller-kill  the controller dies (kill -9) right after a provider performed its pause/delete and before the
//                    audit row is updated; it is restarted on the same SQLite file `downSec` later
//   provider-errors  one provider's API answers 429 (plain text) / 500 / hangs (client timeouts) for a stretch
//   agent-offline    one host's network drops: its agent buffers and replays everything when the link is back
//   clock-step       one host's clock jumps by stepMs (e.g. +2 h, -30 min) at atSec
import type { CycleReport } from '../../controller/src/compose/cost-optimizer';
import type { FaultKind } from '../../controller/src/fake-world/fake-http';
import type { Fleet, SimProviderName } from './fleet';

export type FaultSpec =
  | { kind: 'controller-kill'; atSec: number; op?: 'pause' | 'delete'; instanceKey?: string; downSec?: number }
  | {
      kind: 'provider-errors';
      provider: SimProviderName;
      fromSec: number;
      toSec: number;
      /** 429-text / 500 / hang: nothing happens; 500-after / reset-after: the request takes effect and its answer is lost. */
      mode: Extract<FaultKind, '429-text' | '500' | 'hang' | '500-after' | 'reset-after'>;
      /** Only requests of this method (e.g. the mutations); all by default. */
      method?: string;
    }
  | { kind: 'agent-offline'; instanceKey: string; fromSec: number; durationSec: number }
  | { kind: 'clock-step'; instanceKey: string; atSec: number; stepMs: number };

export interface FaultOutcome {
  kind: FaultSpec['kind'];
  /** One line: what was done. */
  what: string;
  /** Acknowledged samples missing from the database, over the whole run. */
  samplesLost: number;
  /** Pause/delete calls sent for an instance already in the target state, over the whole run. */
  actionsDuplicated: number;
  /** Wrong pauses + wrong deletes (of the faulted instance for host faults, of the run otherwise). */
  wrongActions: number;
  /** Virtual seconds from the end of the fault until things were back to normal; null when they never were. */
  recoverySec: number | null;
  notes: string[];
}

/** Runtime state of one fault, filled in by the harness as the run goes. */
export interface FaultState {
  spec: FaultSpec;
  started: boolean;
  /** When the fault ended (kill: restart; errors: toSec; offline: reconnect; step: atSec). */
  endedAt: number | null;
  recoveredAt: number | null;
  notes: string[];
  /** controller-kill: the call that was interrupted. */
  interrupted?: { op: 'pause' | 'delete'; instanceId: string; at: number } | null;
  /** provider-errors: cycles whose inventory of that provider failed. */
  failedCycles?: number;
  /** clock-step / agent-offline: batches of the host the controller rejected. */
  rejected?: number;
}

export function faultLabel(f: FaultSpec): string {
  const h = (s: number) => `${(s / 3600).toFixed(2)} h`;
  switch (f.kind) {
    case 'controller-kill':
      return `controller killed (-9) after the first ${f.op ?? 'pause'} request reached the provider (armed at ${h(f.atSec)}), restarted ${f.downSec ?? 120} s later`;
    case 'provider-errors': {
      const what =
        f.mode === 'hang' ? 'nothing (client timeouts)' : f.mode.endsWith('-after') ? `${f.mode.replace('-after', '')} after acting (outcome unknown)` : f.mode;
      return `${f.provider} API answers ${f.method ? `${f.method} requests with ` : ''}${what} from ${h(f.fromSec)} to ${h(f.toSec)}`;
    }
    case 'agent-offline':
      return `agent of ${f.instanceKey} offline from ${h(f.fromSec)} for ${f.durationSec / 60} min, then replays its buffer`;
    case 'clock-step':
      return `clock of ${f.instanceKey}'s host steps ${f.stepMs >= 0 ? '+' : ''}${f.stepMs / 60_000} min at ${h(f.atSec)}`;
  }
}

/** The agent clock offset of a host with a clock-step fault, for SimHostAgent. */
export function clockOffsetFor(faults: readonly FaultSpec[], instanceKey: string): ((s: number) => number) | undefined {
  const steps = faults.filter((f): f is Extract<FaultSpec, { kind: 'clock-step' }> => f.kind === 'clock-step' && f.instanceKey === instanceKey);
  if (steps.length === 0) return undefined;
  return (s) => steps.reduce((off, f) => (s >= f.atSec ? off + f.stepMs : off), 0);
}

export function agentOnline(faults: readonly FaultSpec[], instanceKey: string, s: number): boolean {
  return !faults.some((f) => f.kind === 'agent-offline' && f.instanceKey === instanceKey && s >= f.fromSec && s < f.fromSec + f.durationSec);
}

/** Starts and stops provider API faults on the fakes at the cycle boundaries of their stretch. */
export function applyProviderFaults(states: readonly FaultState[], fleet: Fleet, s: number): void {
  for (const st of states) {
    const f = st.spec;
    if (f.kind !== 'provider-errors') continue;
    const fake = f.provider === 'vast' ? fleet.vast : f.provider === 'tensordock' ? fleet.tensordock : fleet.gcp;
    if (!fake) throw new Error(`provider-errors fault on ${f.provider}, which has no instances in this fleet`);
    if (!st.started && s >= f.fromSec) {
      st.started = true;
      fake.injectFault({ kind: f.mode, method: f.method, times: 1_000_000 });
    }
    if (st.started && st.endedAt === null && s >= f.toSec) {
      // The fakes clear all their rules at once: put back those of other faults still under way on this provider.
      fake.clearFaults();
      st.endedAt = s;
      for (const other of states) {
        const o = other.spec;
        if (o.kind === 'provider-errors' && o.provider === f.provider && other.started && other.endedAt === null)
          fake.injectFault({ kind: o.mode, method: o.method, times: 1_000_000 });
      }
    }
  }
}

/** After each completed cycle: counts failed inventories and notes when a provider fault has recovered. */
export function observeCycle(states: readonly FaultState[], report: CycleReport, s: number): void {
  for (const st of states) {
    const f = st.spec;
    if (f.kind !== 'provider-errors') continue;
    const o = report.providers.find((p) => p.provider === f.provider);
    if (o && !o.ok && s >= f.fromSec && s < f.toSec) st.failedCycles = (st.failedCycles ?? 0) + 1;
    if (o?.ok && st.endedAt !== null && st.recoveredAt === null) st.recoveredAt = s;
  }
}
