// Tolerant readers for provider JSON: a wrong type reads as "absent", never as a crash or a made-up value.
import { isIP } from 'node:net';

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty string, or a finite number turned into one (ids arrive as both). */
export function readString(obj: Json, key: string): string | null {
  const v = obj[key];
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** A finite number, also from a numeric string ("20000", "0.238"). */
export function readNumber(obj: Json, key: string): number | null {
  return toNumber(obj[key]);
}

export function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
  return null;
}

/** A price in USD/hour: finite and not negative, else null (unknown, never 0). */
export function readPrice(obj: Json, key: string): number | null {
  const n = readNumber(obj, key);
  return n !== null && n >= 0 ? n : null;
}

/** A TCP port number, else null. */
export function toPort(v: unknown): number | null {
  const n = toNumber(v);
  return n !== null && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : null;
}

/** Epoch ms from epoch seconds (float), or null. Rejects absurd values (before 2000 or far future). */
export function epochSecondsToMs(v: unknown): number | null {
  const n = toNumber(v);
  if (n === null) return null;
  const ms = Math.round(n * 1000);
  return ms > 946_684_800_000 && ms < 4_102_444_800_000 ? ms : null;
}

/** Epoch ms from a date string (ISO 8601, RFC 1123), or null. */
export function dateStringToMs(v: unknown): number | null {
  if (typeof v !== 'string' || v.trim() === '') return null;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : null;
}

/** A string map, keeping only string (or number/boolean, stringified) values. */
export function readLabels(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(v)) return out;
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string') out[k] = val;
    else if (typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
  }
  return out;
}

/** Status text compared case-insensitively with `_`, `-` and spaces removed (TensorDock mixes `StoppedDisassociated` and `stopped_disassociated`). */
export function statusKey(v: unknown): string {
  return typeof v === 'string' ? v.toLowerCase().replace(/[\s_-]+/g, '') : '';
}

/** A provider's address field as a plain IP address (surrounding space dropped); null for anything else. */
export function readIpAddress(raw: Json, key: string): string | null {
  const v = readString(raw, key)?.trim() ?? null;
  return v !== null && isIP(v) !== 0 ? v : null;
}
