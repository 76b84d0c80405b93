// What one agent batch becomes in the store: its checks against the frame's own send time and the clock-skew
// correction. Pure; AgentConnection applies it to every batch (then clamps the result to the connection's trusted-time
// floor, trusted-time.ts), and the simulator (test/sim) to the batches it plays (without the floor: it has no
// connections).
import type { Batch } from '../../../protocol';
import { FUTURE_TOLERANCE_MS, type SampleInput } from '../store';

export type BatchInput = { ok: true; input: SampleInput; skewMs: number } | { ok: false; reason: string };

/**
 * `receivedAt` is the controller's clock when the frame arrived. Every time in the batch is shifted by
 * (receivedAt - sentAt): sentAt is the agent's clock when the frame was (re)sent, so replays after an outage land
 * where they belong and a host clock that is off is corrected; network delay is the only error left.
 */
export function batchInput(instanceId: string, b: Batch, receivedAt: number): BatchInput {
  // An interval cannot end after the frame carrying it was sent (replays carry a fresh sentAt).
  if (b.t1 > b.sentAt + FUTURE_TOLERANCE_MS) return { ok: false, reason: 'batch t1 lies in the future (after sentAt)' };
  const offset = receivedAt - b.sentAt;
  const input: SampleInput = {
    instanceId,
    source: 'agent',
    t0: b.t0 + offset,
    t1: b.t1 + offset,
    gpus: b.gpus,
    procs: b.procs,
    health: b.health,
    run: { runId: b.runId, seq: b.seq },
  };
  const k = b.interactive;
  if (k !== undefined) {
    // Agent clock to controller clock, like the interval; the report was made at the end of the interval.
    input.interactive = {
      reportedAt: input.t1,
      terminalInputAt: k.terminalInputAt === null ? null : k.terminalInputAt + offset,
      terminals: k.terminals,
      notebookActivityAt: k.notebookActivityAt === null ? null : k.notebookActivityAt + offset,
      notebookBusy: k.notebookBusy,
      notebooks: k.notebooks,
    };
  }
  // Work the GPU cannot see (protocol 2): the figures as sent, the oldest inhibition moved to the controller's clock.
  if (b.host !== undefined) input.host = b.host;
  const first = b.inhibitions?.[0];
  if (first !== undefined) {
    input.inhibit = { why: first.why, pid: first.pid, since: first.since + offset, until: first.until + offset, count: b.inhibitions!.length };
  }
  return { ok: true, skewMs: offset, input };
}
