// The one rule for "running since": when the instance's current running episode began. Every place that works it out
// calls here. The engine's figure is `IdleState.runningSince` (observeInventory), narrowed by runningSinceOf; the store's
// `running_since` column follows the same rule as the inventory's record, and the API shows it only when the engine
// has no figure (store/types.ts says why the column stays).
import type { InstanceState } from '../domain/instance';
import type { IdleState } from './idle-state';
import type { LastAction } from './types';

/** What the previous inventory reading left: its state (null: never seen) and the running-since it gave. */
export interface RunningEpisode {
  state: InstanceState | null;
  runningSince: number | null;
}

/**
 * Running-since after an inventory reading that says `next` at `now`, given the previous reading (null: never seen).
 *
 * - running after running (with a known start): the episode goes on, its start is kept;
 * - running after anything else, first sight included: a new episode starts now. Restart grace: a resumed instance
 *   gets a full idle window, and we cannot claim it ran before we saw it;
 * - any other state: null (not running).
 *
 * The engine's IdleState (observeInventory) and the store's `running_since` column both follow it.
 */
export function runningSinceAfterReading(prev: RunningEpisode | null, next: InstanceState, now: number): number | null {
  if (next !== 'running') return null;
  return continuesRunningEpisode(prev, next) ? (prev?.runningSince ?? now) : now;
}

/** True when a reading of `next` continues the previous reading's running episode (its start is kept, see above). */
export function continuesRunningEpisode(prev: RunningEpisode | null, next: InstanceState): boolean {
  return next === 'running' && prev !== null && prev.state === 'running' && prev.runningSince !== null;
}

const fin = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The running-since the engine decides with and shows (`Decision.figures.runningSince`); null when it does not count
 * as running.
 *
 * - Null unless the provider says `state` is running now and the idle state's last inventory reading said the same
 *   state: a mismatch means observeInventory was skipped this cycle, and then no clock is trusted.
 * - Otherwise the start of the episode as inventory saw it (`IdleState.runningSince`, from runningSinceAfterReading),
 * - moved later to the last action when that is a succeeded pause (at a finite time) later than that start: we paused
 *   it and it runs now, so it was resumed after our pause even if no inventory saw it stopped in between (a user who
 *   resumes within one cycle). The resumed instance gets a full window from the pause. A failed, planned or dry-run
 *   pause, or one before the start, changes nothing.
 */
export function runningSinceOf(state: InstanceState, st: IdleState | null, lastAction: LastAction | null | undefined): number | null {
  if (state !== 'running' || st === null || st.lastState !== state) return null;
  const since = st.runningSince;
  const la = lastAction;
  if (since !== null && la && la.kind === 'pause' && la.status === 'succeeded' && fin(la.at) && la.at > since) return la.at;
  return since;
}
