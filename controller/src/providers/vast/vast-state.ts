// Vast.ai status fields -> our InstanceState. Three fields, often disagreeing; anything unclear is `unknown`, never stopped.
import type { InstanceState } from '../../domain/instance';
import { type Json, statusKey } from '../parse-helpers';

/**
 * Vast docs: actual_status is null (provisioning), loading, created, running, stopped, frozen, exited, rebooting,
 * unknown, offline; intended_status is running, stopped or frozen; cur_state is running, stopped or unloaded
 * (after destroy). A stopped instance is often reported as actual_status "exited" with intended_status "stopped"
 * (docs/providers.md [seen]), so "stopped" is decided from intended_status / cur_state and accepts exited or stopped.
 */
export function vastState(raw: Json): InstanceState {
  const actualRaw = raw['actual_status'];
  const actual = statusKey(actualRaw);
  const intended = statusKey(raw['intended_status']);
  const cur = statusKey(raw['cur_state']);

  if (cur === 'unloaded' || actual === 'destroyed' || actual === 'deleted') return 'deleted';

  // The host is unreachable or Vast itself does not know: we cannot tell whether the GPU works or bills.
  if (actual === 'offline' || actual === 'unknown') return 'unknown';
  // Frozen = the container is paused in memory and keeps its GPU reserved; it is neither a stop (GPU billing may
  // continue) nor provably idle, so we never treat it as stopped, and never pause or delete because of it.
  if (actual === 'frozen' || intended === 'frozen') return 'unknown';

  const wantsStop = intended === 'stopped' || (intended === '' && cur === 'stopped');
  const isDown = actual === 'exited' || actual === 'stopped';
  const isComingUp = actualRaw === null || actual === 'loading' || actual === 'created' || actual === 'rebooting' || actual === 'scheduling';

  if (wantsStop) {
    if (isDown) return 'stopped';
    // Stop requested, container still up or booting: the stop is in progress.
    if (actual === 'running' || isComingUp) return 'stopping';
    return 'unknown';
  }
  if (intended === 'running' || intended === '') {
    if (actual === 'running') return 'running';
    if (isComingUp) return 'starting';
    if (isDown) {
      // Start requested on a stopped instance (cur_state still "stopped", or a resume waiting for its GPU):
      // starting. With cur_state "running" the container exited on its own while the GPU stays rented: we
      // cannot say whether work is lost or billing goes on, so unknown.
      return cur === 'stopped' ? 'starting' : 'unknown';
    }
  }
  return 'unknown';
}

/** The raw status for `explain` and logs, e.g. `exited (intended stopped, cur stopped)`. */
export function vastRawState(raw: Json): string {
  const s = (k: string) => {
    const v = raw[k];
    return v === null || v === undefined ? 'null' : String(v);
  };
  return `${s('actual_status')} (intended ${s('intended_status')}, cur ${s('cur_state')})`;
}
