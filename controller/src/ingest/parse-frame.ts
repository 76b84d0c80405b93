// Turns one WebSocket frame from an agent into a validated protocol message, or a short reason for refusing it.
// The reason goes into the close frame, which allows at most 123 bytes (RFC 6455 section 5.5: control frame payloads
// are <= 125 bytes, 2 of them the code).
import type { ZodError, ZodTypeAny } from 'zod';
import { type AgentMessage, BatchSchema, HelloSchema, PreparePauseResultSchema } from '../../../protocol';
import { fastCheckBatch } from './fast-batch';

export type FrameResult = { ok: true; msg: AgentMessage } | { ok: false; reason: string };

// Picked by `type` so the error names the right message's field (a union would only say "invalid input").
const SCHEMAS: Record<string, ZodTypeAny> = {
  hello: HelloSchema,
  batch: BatchSchema,
  'prepare-pause-result': PreparePauseResultSchema,
};

export const MAX_CLOSE_REASON_BYTES = 123;

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, max = MAX_CLOSE_REASON_BYTES): string {
  if (Buffer.byteLength(s, 'utf8') <= max) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > max - 3) break;
    out += ch;
    bytes += n;
  }
  return out + '...';
}

function describe(type: string, err: ZodError): string {
  const issue = err.issues[0];
  if (issue === undefined) return `invalid ${type}`;
  const path = issue.path.length > 0 ? issue.path.join('.') + ': ' : '';
  return `invalid ${type}: ${path}${issue.message}`;
}

export function parseAgentFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): FrameResult {
  if (isBinary) return { ok: false, reason: 'binary frames are not accepted; send JSON text' };
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'frame must be a JSON object' };
  const type = (value as { type?: unknown }).type;
  if (type === 'batch') {
    // The hot path: most frames are batches; a certain pass skips zod (see fast-batch.ts), anything else goes to zod.
    const fast = fastCheckBatch(value);
    if (fast !== null) return { ok: true, msg: fast };
  }
  const schema = typeof type === 'string' ? SCHEMAS[type] : undefined;
  if (schema === undefined) return { ok: false, reason: truncateUtf8(`unknown message type ${JSON.stringify(type ?? null).slice(0, 40)}`) };
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: truncateUtf8(describe(type as string, parsed.error)) };
  return { ok: true, msg: parsed.data as AgentMessage };
}
