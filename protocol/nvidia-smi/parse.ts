// Pure parser for `nvidia-smi --query-gpu=<fields> --format=csv,noheader,nounits` lines (fields: query.ts).
// Anything that is not a clean number ([N/A], [Not Supported], [Unknown Error], blank, garbled) becomes null: unknown, never 0.
import { BASE_FIELDS, type EngineField, QUERY_FIELDS, type QueryField } from './query';
// A line saying the driver or the GPU is unreachable (one list with the exit statuses: ../nvidia-smi-failure.ts).
import { DRIVER_FAILURE_TEXT } from '../nvidia-smi-failure';

export interface GpuReading {
  index: number;
  uuid: string | null;
  name: string | null;
  /** Percent 0-100, null when unknown (MIG-enabled GPUs always report [N/A] here). */
  util: number | null;
  memUsedMiB: number | null;
  memTotalMiB: number | null;
  tempC: number | null;
  powerW: number | null;
  /**
   * Other engines, percent 0-100: NVENC, NVDEC, NVJPG, optical flow. Absent when not queried (the driver does not
   * list the field: not applicable); null when queried and not a number ([N/A] on MIG, [Not Supported]).
   */
  enc?: number | null;
  dec?: number | null;
  jpeg?: number | null;
  ofa?: number | null;
  /** Open NVENC sessions; absent / null as above. */
  encSessions?: number | null;
}

/** Reading key of each engine field. */
export const ENGINE_KEYS: Record<EngineField, 'enc' | 'dec' | 'jpeg' | 'ofa' | 'encSessions'> = {
  'utilization.encoder': 'enc',
  'utilization.decoder': 'dec',
  'utilization.jpeg': 'jpeg',
  'utilization.ofa': 'ofa',
  'encoder.stats.sessionCount': 'encSessions',
};

export type LineResult = { kind: 'reading'; reading: GpuReading } | { kind: 'error'; code: 'driver' | 'garbled'; line: string };

function bracketed(s: string): boolean {
  return s.startsWith('[') && s.endsWith(']');
}

/** A clean decimal number within [min, max], or null. */
function number(raw: string | undefined, min: number, max: number): number | null {
  if (raw === undefined) return null;
  const s = raw.trim();
  if (s === '' || bracketed(s) || !/^-?\d+(\.\d+)?$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) && n >= min && n <= max ? n : null;
}

function integer(raw: string | undefined, max: number): number | null {
  const n = number(raw, 0, max);
  return n !== null && Number.isInteger(n) ? n : null;
}

function text(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const s = raw.trim();
  return s === '' || bracketed(s) ? null : s;
}

/**
 * Parse one output line of a query for `fields` (query.ts: the core fields, then engine fields). A line that cannot
 * be tied to a GPU index is an error, never a reading.
 */
export function parseLine(line: string, fields: readonly QueryField[] = QUERY_FIELDS): LineResult {
  const trimmed = line.trim();
  if (DRIVER_FAILURE_TEXT.test(trimmed)) return { kind: 'error', code: 'driver', line: trimmed.slice(0, 300) };
  // GPU names never contain commas in practice; a line with the wrong field count is garbled.
  const parts = trimmed.split(',');
  if (parts.length !== fields.length) return { kind: 'error', code: 'garbled', line: trimmed.slice(0, 300) };
  const index = number(parts[0], 0, 1023);
  if (index === null || !Number.isInteger(index)) return { kind: 'error', code: 'garbled', line: trimmed.slice(0, 300) };
  const reading: GpuReading = {
    index,
    uuid: text(parts[1]),
    name: text(parts[2]),
    util: number(parts[3], 0, 100),
    memUsedMiB: number(parts[4], 0, 1e8),
    memTotalMiB: number(parts[5], 0, 1e8),
    tempC: number(parts[6], -50, 200),
    powerW: number(parts[7], 0, 1e5),
  };
  for (let i = BASE_FIELDS.length; i < fields.length; i++) {
    const key = ENGINE_KEYS[fields[i] as EngineField];
    reading[key] = key === 'encSessions' ? integer(parts[i], 1e6) : number(parts[i], 0, 100);
  }
  return { kind: 'reading', reading };
}

export interface ParseResult {
  readings: GpuReading[];
  errors: Extract<LineResult, { kind: 'error' }>[];
}

/** Parse a whole output (one or many lines); blank lines are skipped. */
export function parseOutput(output: string, fields: readonly QueryField[] = QUERY_FIELDS): ParseResult {
  const readings: GpuReading[] = [];
  const errors: ParseResult['errors'] = [];
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const r = parseLine(line, fields);
    if (r.kind === 'reading') readings.push(r.reading);
    else errors.push(r);
  }
  return { readings, errors };
}
