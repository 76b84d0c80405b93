// Pure parser for `nvidia-smi --query-gpu=<QUERY_FIELDS> --format=csv,noheader,nounits` lines.
// Anything that is not a clean number ([N/A], [Not Supported], [Unknown Error], blank, garbled) becomes null: unknown, never 0.

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
}

export type LineResult = { kind: 'reading'; reading: GpuReading } | { kind: 'error'; code: 'driver' | 'garbled'; line: string };

const FIELD_COUNT = 8;

/** Messages nvidia-smi prints (on stdout or stderr) when it cannot reach the driver; it then exits 9. */
const DRIVER_FAILURE = /couldn't communicate with the nvidia driver|nvidia-smi has failed|driver\/library version mismatch|no devices were found/i;

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

function text(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const s = raw.trim();
  return s === '' || bracketed(s) ? null : s;
}

/** Parse one output line. A line that cannot be tied to a GPU index is an error, never a reading. */
export function parseLine(line: string): LineResult {
  const trimmed = line.trim();
  if (DRIVER_FAILURE.test(trimmed)) return { kind: 'error', code: 'driver', line: trimmed.slice(0, 300) };
  // GPU names never contain commas in practice; a line with the wrong field count is garbled.
  const parts = trimmed.split(',');
  if (parts.length !== FIELD_COUNT) return { kind: 'error', code: 'garbled', line: trimmed.slice(0, 300) };
  const index = number(parts[0], 0, 1023);
  if (index === null || !Number.isInteger(index)) return { kind: 'error', code: 'garbled', line: trimmed.slice(0, 300) };
  return {
    kind: 'reading',
    reading: {
      index,
      uuid: text(parts[1]),
      name: text(parts[2]),
      util: number(parts[3], 0, 100),
      memUsedMiB: number(parts[4], 0, 1e8),
      memTotalMiB: number(parts[5], 0, 1e8),
      tempC: number(parts[6], -50, 200),
      powerW: number(parts[7], 0, 1e5),
    },
  };
}

export interface ParseResult {
  readings: GpuReading[];
  errors: Extract<LineResult, { kind: 'error' }>[];
}

/** Parse a whole output (one or many lines); blank lines are skipped. */
export function parseOutput(output: string): ParseResult {
  const readings: GpuReading[] = [];
  const errors: ParseResult['errors'] = [];
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const r = parseLine(line);
    if (r.kind === 'reading') readings.push(r.reading);
    else errors.push(r);
  }
  return { readings, errors };
}
