// The one owner of "did the action take effect": whether a pause, resume or delete call landed (the provider shows the
// effect or its start) and whether it has finished (the target state). The provider clients, the executor's
// verification and the settling of actions a restart interrupted all ask here.
import type { InstanceState } from './instance';

export type EffectOp = 'pause' | 'resume' | 'delete';
/** What a re-read says about a call: landed, plainly not landed (same as before), or anything else. */
export type Verdict = 'done' | 'not-done' | 'ambiguous';

/**
 * done: the provider shows the effect (or its start), so the call went through.
 * not-done: the instance is exactly as before, so the call did not land and sending it again is the same request.
 * ambiguous: anything else (unknown state, a transition we did not ask for): stop and report, never guess.
 */
export function callVerdict(op: EffectOp, state: InstanceState | 'gone'): Verdict {
  switch (op) {
    case 'pause':
      if (state === 'stopped' || state === 'stopping') return 'done';
      if (state === 'running') return 'not-done';
      return 'ambiguous';
    case 'resume':
      if (state === 'running' || state === 'starting') return 'done';
      if (state === 'stopped') return 'not-done';
      return 'ambiguous';
    case 'delete':
      if (state === 'gone' || state === 'deleted') return 'done';
      if (state === 'running' || state === 'stopped') return 'not-done';
      return 'ambiguous';
  }
}

/** The action has finished: paused means stopped (not merely stopping), deleted means gone. */
export function effectComplete(op: 'pause' | 'delete', state: InstanceState | 'gone'): boolean {
  return op === 'pause' ? state === 'stopped' : state === 'gone' || state === 'deleted';
}
