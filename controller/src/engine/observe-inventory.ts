// observeInventory: folds one inventory reading (the provider's state of the instance) into its IdleState.
//
// Transitions (prev = the state at the previous call, null when never seen):
// - to running from anything else (first seen included): runningSince = now (the rule lives in running-since.ts) and
//   every source's idle run and sample counts are forgotten. Restart grace: the idle clock starts fresh when the instance is seen running, so a user who
//   resumes a paused instance gets a full window, and samples from before that moment never count.
// - running -> stopped/stopping: the inactive clock (stoppedSince) continues the idle run that preceded the stop
//   (idle -> paused is one inactive stretch); if it was not idle right up to now, it starts now.
// - stopped/stopping -> stopped/stopping: unchanged (set to now if missing, e.g. reset by a busy sample).
// - anything else -> stopped/stopping (first seen, starting, unknown, deleted): inactive from now: we did not watch it
//   before, so we cannot claim it was inactive earlier.
// - starting / unknown / deleted: both clocks cleared. A starting instance is being resumed by someone; an unknown one
//   may have done anything while we could not see it. Either way the clocks restart: this only delays actions.
// Contract with the executor: after it verifies a pause (the provider shows the instance stopped), it calls
// observeInventory with that verified state and time. Otherwise a user who resumes the instance before the next
// inventory is never seen as a restart. (decide() also treats a running instance whose last action is a successful
// pause as restarted at that pause, but it only sees the latest action.)
import type { EngineConfig } from '../config/config';
import type { ProviderInstance } from '../domain/instance';
import { engineTimes } from './engine-times';
import { emptyIdleState, forgetRun, type IdleState, type SourceTrack, type TrackSource } from './idle-state';
import { windowView } from './idle-window';
import { continuesRunningEpisode, runningSinceAfterReading } from './running-since';

const INACTIVE = new Set(['stopped', 'stopping']);

/** Returns the state updated with the instance's current provider state seen at `now`; never mutates `state`. */
export function observeInventory(state: IdleState | null, inst: Pick<ProviderInstance, 'state'>, now: number, cfg: EngineConfig): IdleState {
  const st = state ?? emptyIdleState();
  const prev = st.lastState;
  const next = inst.state;
  const episode = { state: prev, runningSince: st.runningSince };
  const runningSince = runningSinceAfterReading(episode, next, now);
  const firstSeenAt = st.firstSeenAt ?? now;
  // Called for every instance every cycle: a reading that changes nothing returns the state itself (no new object for
  // 10,000 instances a minute, and the state keeps its identity for whoever compares it).

  if (next === 'running') {
    if (continuesRunningEpisode(episode, next)) return updated(st, state, firstSeenAt, next, now, runningSince, null);
    const tracks: Partial<Record<TrackSource, SourceTrack>> = {};
    for (const [k, tr] of Object.entries(st.tracks) as [TrackSource, SourceTrack][]) tracks[k] = forgetRun(tr);
    return { ...st, firstSeenAt, lastState: next, lastSeenAt: now, runningSince, stoppedSince: null, tracks };
  }

  if (INACTIVE.has(next)) {
    let stoppedSince: number;
    if (prev === 'running') {
      const idleSince = windowView(st, now, engineTimes(cfg)).idleSince;
      stoppedSince = idleSince === null ? now : Math.min(idleSince, now);
    } else if (prev !== null && INACTIVE.has(prev)) {
      stoppedSince = st.stoppedSince ?? now;
    } else {
      stoppedSince = now;
    }
    return updated(st, state, firstSeenAt, next, now, runningSince, stoppedSince);
  }

  return updated(st, state, firstSeenAt, next, now, runningSince, null);
}

/** The state with these fields, or `state` itself when it had them all already (lastSeenAt moves only with a change). */
function updated(
  st: IdleState,
  state: IdleState | null,
  firstSeenAt: number,
  lastState: IdleState['lastState'],
  now: number,
  runningSince: number | null,
  stoppedSince: number | null,
): IdleState {
  if (state !== null && st.firstSeenAt === firstSeenAt && st.lastState === lastState && st.runningSince === runningSince && st.stoppedSince === stoppedSince)
    return state;
  return { ...st, firstSeenAt, lastState, lastSeenAt: now, runningSince, stoppedSince };
}
