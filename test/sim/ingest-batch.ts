// What the controller's WebSocket ingest does with one batch frame, minus the socket: the frame goes through the
// ingest's own parser (controller/src/ingest/parse-frame.ts: JSON, fast check, BatchSchema), then batchInput(), the
// checks and clock-skew correction AgentConnection applies to every batch.
import { batchInput, type BatchInput, parseAgentFrame } from '../../controller/src/ingest';
import type { Batch } from '../../protocol';

export type IngestResult = BatchInput;

export function batchToSampleInput(instanceId: string, frame: Batch | Record<string, unknown>, receivedAt: number): IngestResult {
  const parsed = parseAgentFrame(Buffer.from(JSON.stringify(frame)), false);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  if (parsed.msg.type !== 'batch') return { ok: false, reason: `a ${parsed.msg.type} frame, not a batch` };
  return batchInput(instanceId, parsed.msg, receivedAt);
}
