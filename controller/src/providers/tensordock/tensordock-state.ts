// TensorDock status strings (v0 and v2, mixed case) -> InstanceState; unrecognised values are `unknown`, never stopped.
import type { InstanceState } from '../../domain/instance';
import { statusKey } from '../parse-helpers';

/** Keys are statusKey() forms: lower case, `_`, `-` and spaces removed (`StoppedDisassociated` = `stopped_disassociated`). */
const STATES: Record<string, InstanceState> = {
  running: 'running',
  starting: 'starting',
  creating: 'starting',
  provisioning: 'starting',
  pending: 'starting',
  booting: 'starting',
  rebooting: 'starting',
  restarting: 'starting',
  resuming: 'starting',
  stopping: 'stopping',
  // Being destroyed: on its way out but not gone yet.
  deleting: 'stopping',
  terminating: 'stopping',
  stopped: 'stopped',
  stoppeddisassociated: 'stopped',
  stoppeddisassociating: 'stopping',
  terminated: 'deleted',
  deleted: 'deleted',
  // v0 spot VMs: "Outbid" means TensorDock stopped it because a higher bid won, not that the user stopped it.
  // Whether it still bills or can be restarted is not documented, so it is neither running nor a stop we can
  // count as idle time towards a delete.
  outbid: 'unknown',
  error: 'unknown',
  failed: 'unknown',
};

export function tensordockState(status: unknown): InstanceState {
  return STATES[statusKey(status)] ?? 'unknown';
}

/** True for statuses that mean the instance no longer exists (get() answers null for these). */
export function isTensordockGone(status: unknown): boolean {
  return tensordockState(status) === 'deleted';
}
