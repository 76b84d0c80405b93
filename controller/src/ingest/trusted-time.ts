// Trusted time: the earliest moment an agent connection's samples may speak for. The agent chooses sentAt, so the
// skew correction (batch-input.ts) alone would let a token holder send a day of back-dated idle batches in seconds.
// Pure; AgentConnection computes the floor once at the hello and clamps every batch to it.
//
// The rule (docs/security.md "Time you can trust"): no token holder can make an instance pausable sooner than an
// agent streaming idle readings live from now would. So a connection's samples count only from
// - a NEW run (a runId the controller has never stored a batch for): the moment this connection was accepted. A
//   restarted agent has an empty buffer (it is in memory, per run), so a real one loses at most its first report
//   interval; a forged "history" before the connection counts for nothing;
// - a KNOWN run (it has stored batches): the end of the newest agent sample the controller already holds for the
//   instance, from any run. That is exactly the time the controller could not see (its own restart, a network
//   outage): the replay of the agent's buffer fills it and keeps counting, as it must. Time the controller already
//   had agent data for is never rewritten, and nothing reaches back further than the agent's buffer can hold.
// Clamping never drops a batch (it is stored and acknowledged, so a real agent does not replay it forever): a batch
// that lies wholly before the floor becomes an instant at the floor, so a busy or unknown reading in it still vetoes
// from there, and an idle one can at most start an idle run at the floor.
import type { SampleInput } from '../store/types';

/** The longest replay an agent can hold: BUFFER_MAX_BATCHES (8640) at the default 10 s report interval. */
export const MAX_REPLAY_MS = 24 * 3_600_000;

export interface FloorFacts {
  /** When the controller accepted this connection (its clock). */
  connectedAt: number;
  /** True when the hello's runId already has stored batches for this instance (acked sequence > 0). */
  knownRun: boolean;
  /** End (t1) of the newest agent sample stored for the instance, any run; null when none. */
  lastAgentEnd: number | null;
}

/** The earliest time this connection's samples may cover. */
export function evidenceFloor(f: FloorFacts): number {
  if (!f.knownRun || f.lastAgentEnd === null) return f.connectedAt;
  return Math.min(f.connectedAt, Math.max(f.lastAgentEnd, f.connectedAt - MAX_REPLAY_MS));
}

export interface Clamped {
  input: SampleInput;
  /** How much of the batch's interval lay before the floor (ms); 0 when none. */
  cutMs: number;
}

/** The batch with its interval moved to start no earlier than `floor` (an interval wholly before it: an instant at it). */
export function clampToFloor(input: SampleInput, floor: number): Clamped {
  if (input.t0 >= floor) return { input, cutMs: 0 };
  const t1 = Math.max(input.t1, floor);
  return { input: { ...input, t0: floor, t1 }, cutMs: floor - input.t0 };
}
