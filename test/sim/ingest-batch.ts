// What the controller's WebSocket ingest does with one batch frame, minus the socket: the frame goes through the
// ingest's own parser (controller/src/ingest/parse-frame.ts: JSON, fast check, BatchSchema), then the checks and the
// clock-skew correction of AgentConnection.onBatch (controller/src/ingest/agent-connection.ts), which has no pure
// export; they are mirrored here and must stay in step with it:
//   - t1 after sentAt (+ FUTURE_TOLERANCE_MS) is a bad frame: the connection is closed and the agent replays later;
//   - every time is shifted by (receive time - sentAt): sentAt is the agent's clock when the frame was (re)sent, so
//     replays after an outage land where they belong and a stepped host clock is corrected.
import { parseAgentFrame } from '../../controller/src/ingest';
import { FUTURE_TOLERANCE_MS, type SampleInput } from '../../controller/src/store';
import type { Batch } from '../../protocol';

export type IngestResult = { ok: true; input: SampleInput; skewMs: number } | { ok: false; reason: string };

export function batchToSampleInput(instanceId: string, frame: Batch | Record<string, unknown>, receivedAt: number): IngestResult {
  const parsed = parseAgentFrame(Buffer.from(JSON.stringify(frame)), false);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  if (parsed.msg.type !== 'batch') return { ok: false, reason: `a ${parsed.msg.type} frame, not a batch` };
  const b = parsed.msg;
  if (b.t1 > b.sentAt + FUTURE_TOLERANCE_MS) return { ok: false, reason: 'batch t1 lies in the future (after sentAt)' };
  const offset = receivedAt - b.sentAt;
  return {
    ok: true,
    skewMs: offset,
    input: { instanceId, source: 'agent', t0: b.t0 + offset, t1: b.t1 + offset, gpus: b.gpus, procs: b.procs, health: b.health, run: { runId: b.runId, seq: b.seq } },
  };
}
