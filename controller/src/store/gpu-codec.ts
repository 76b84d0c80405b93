// Compact per-GPU detail of one sample, stored as a BLOB: about 6-8 bytes per GPU, so a day of 8-GPU samples every
// 10 s stays under the 1 MB per instance-day target (docs/architecture.md, targets). Quantized values are what the summaries are built
// from, both when a batch is committed and when it is read back, so the engine sees the same numbers either way.
import type { GpuStats, Stat } from '../../../protocol';
import { HOST_SECTION, splitHostSection } from './host-codec';

/** Engine utilization as stored: whole percent, max ceiled (rounding never makes an engine look idler). */
export interface StoredEngineUtil {
  mean: number;
  max: number;
}

/**
 * The other engines of one GPU over one interval. A key is absent when the engine was not queried (the host's driver
 * does not list it, or the sample predates engine support: not applicable); null when queried and never a number.
 */
export interface StoredEngines {
  enc?: StoredEngineUtil | null;
  dec?: StoredEngineUtil | null;
  jpeg?: StoredEngineUtil | null;
  ofa?: StoredEngineUtil | null;
  /** Peak open encoder sessions. */
  encSessions?: number | null;
}

/** Engine keys in their bit order in the stored mask. */
export const STORED_ENGINE_KEYS = ['enc', 'dec', 'jpeg', 'ofa', 'encSessions'] as const;
const UTIL_KEYS = ['enc', 'dec', 'jpeg', 'ofa'] as const;

/** One GPU's readings over one interval, as stored. */
export interface StoredGpu {
  index: number;
  /** Whole percent; null when no reading was known. min is floored and max ceiled, so rounding never makes a GPU look idler. */
  util: { min: number; mean: number; max: number } | null;
  /** Unknown readings in the interval, saturated at 255 (only "any" matters). */
  utilUnknown: number;
  /** Peak used memory over the interval in MiB, rounded up to a multiple of 16 MiB; null when never known. */
  memUsedMiB: number | null;
  /** Peak temperature in whole degrees C, 0-254; null when unknown. */
  tempC: number | null;
  /** Mean power draw in whole W; null when unknown. */
  powerW: number | null;
  /** Absent on samples without engine fields (older agents and blobs). */
  engines?: StoredEngines;
}

const FORMAT_SEQUENTIAL = 1; // GPU indexes are 0..n-1 in order: not stored.
const FORMAT_INDEXED = 2; // each GPU carries its index as a varint.
// Formats 3 and 4: as 1 and 2, each GPU entry followed by its engines. Written only when some GPU has engine fields and
// not all read 0 (then formats 5/6), so rows of older agents keep their size and every earlier blob still reads.
//   engine byte 0: all five engine fields present and all 0 (an idle or a compute-only GPU: one byte);
//   otherwise 0x80 | present mask (bit i = STORED_ENGINE_KEYS[i] queried), then a mask of the present fields that are
//   not 0, then for each of those: utilization max u8 (255 = null) and, unless null, mean u8; sessions optVarint.
const FORMAT_SEQUENTIAL_ENGINES = 3;
const FORMAT_INDEXED_ENGINES = 4;
// Formats 5 and 6: as 1 and 2, and every GPU has all five engine fields at 0 (a training or an idle host on a current
// driver, the common case): no engine byte at all, so the 1 MB per instance-day budget holds for 8 busy GPUs.
const FORMAT_SEQUENTIAL_ZERO_ENGINES = 5;
const FORMAT_INDEXED_ZERO_ENGINES = 6;
const ENGINES_ALL_ZERO = 0;
const ENGINES_MARK = 0x80;
const ALL_PRESENT = 0x1f;
const UNKNOWN_U8 = 255;
/**
 * Memory is stored in 16 MiB units: a busy GPU's 20-140 GiB then takes 2 varint bytes instead of 3 (8 bytes per
 * 8-GPU sample, what keeps a fully busy instance under 1 MB a day). Rounded up, so any use stays visible.
 */
export const MEM_UNIT_MIB = 16;
/** Lead byte of a GPU entry: 0-100 is util.min (no unknown readings, the common case: one byte saved per GPU). */
const LEAD_PARTLY_UNKNOWN = 254; // then: unknown count u8, min, mean, max
const LEAD_UTIL_NULL = 255; // then: unknown count u8

function quantizeEngine(s: Stat | null): StoredEngineUtil | null {
  if (s === null) return null;
  const max = Math.max(0, Math.min(100, Math.ceil(s.max)));
  return { mean: Math.max(0, Math.min(max, Math.round(s.mean))), max };
}

function quantizeEngines(g: GpuStats): StoredEngines | undefined {
  let e: StoredEngines | undefined;
  for (const k of UTIL_KEYS) {
    const v = g[k];
    if (v !== undefined) (e ??= {})[k] = quantizeEngine(v);
  }
  if (g.encSessions !== undefined) (e ??= {}).encSessions = g.encSessions === null ? null : Math.min(1e6, Math.ceil(g.encSessions.max));
  return e;
}

/** True when the engine value is absent/zero-free: 0 % utilization or no session. */
function isZero(v: StoredEngineUtil | number | null | undefined): boolean {
  return v === 0 || (typeof v === 'object' && v !== null && v.max === 0);
}

export function quantizeGpu(g: GpuStats): StoredGpu {
  let util: StoredGpu['util'] = null;
  if (g.util !== null) {
    const min = Math.max(0, Math.min(100, Math.floor(g.util.min)));
    const max = Math.max(0, Math.min(100, Math.ceil(g.util.max)));
    const mean = Math.max(min, Math.min(max, Math.round(g.util.mean)));
    util = { min, mean, max };
  }
  const out: StoredGpu = {
    index: g.index,
    util,
    utilUnknown: Math.min(UNKNOWN_U8, g.utilUnknown),
    memUsedMiB: g.memUsed === null ? null : Math.ceil(g.memUsed.max / MEM_UNIT_MIB) * MEM_UNIT_MIB,
    tempC: g.temp === null ? null : Math.max(0, Math.min(254, Math.round(g.temp.max))),
    powerW: g.power === null ? null : Math.round(g.power.mean),
  };
  const engines = quantizeEngines(g);
  if (engines !== undefined) out.engines = engines;
  return out;
}

function writeEngines(w: Writer, e: StoredEngines | undefined): void {
  let present = 0;
  let nonZero = 0;
  STORED_ENGINE_KEYS.forEach((k, i) => {
    if (e === undefined || e[k] === undefined) return;
    present |= 1 << i;
    if (!isZero(e[k])) nonZero |= 1 << i;
  });
  if (present === ALL_PRESENT && nonZero === 0) {
    w.u8(ENGINES_ALL_ZERO);
    return;
  }
  w.u8(ENGINES_MARK | present);
  w.u8(nonZero);
  STORED_ENGINE_KEYS.forEach((k, i) => {
    if ((nonZero & (1 << i)) === 0 || e === undefined) return;
    if (k === 'encSessions') w.optVarint(e.encSessions ?? null);
    else {
      const u = e[k] ?? null;
      w.u8(u === null ? UNKNOWN_U8 : u.max);
      if (u !== null) w.u8(u.mean);
    }
  });
}

const allZero = (): StoredEngines => ({
  enc: { mean: 0, max: 0 },
  dec: { mean: 0, max: 0 },
  jpeg: { mean: 0, max: 0 },
  ofa: { mean: 0, max: 0 },
  encSessions: 0,
});

function isAllZero(e: StoredEngines | undefined): boolean {
  return e !== undefined && STORED_ENGINE_KEYS.every((k) => e[k] !== undefined && isZero(e[k]));
}

function readEngines(r: Reader): StoredEngines | undefined {
  const lead = r.u8();
  if (lead === ENGINES_ALL_ZERO) return allZero();
  if ((lead & ENGINES_MARK) === 0 || (lead & ~(ENGINES_MARK | ALL_PRESENT)) !== 0) throw new Error(`gpu blob: bad engine byte ${lead}`);
  const present = lead & ALL_PRESENT;
  const nonZero = r.u8();
  if ((nonZero & ~present) !== 0) throw new Error(`gpu blob: engine value for an absent engine (${nonZero})`);
  if (present === 0) return undefined;
  const e: StoredEngines = {};
  STORED_ENGINE_KEYS.forEach((k, i) => {
    if ((present & (1 << i)) === 0) return;
    const set = (nonZero & (1 << i)) !== 0;
    if (k === 'encSessions') {
      e.encSessions = set ? r.optVarint() : 0;
      return;
    }
    if (!set) {
      e[k] = { mean: 0, max: 0 };
      return;
    }
    const max = r.u8();
    if (max === UNKNOWN_U8) e[k] = null;
    else if (max > 100) throw new Error(`gpu blob: bad engine utilization byte ${max}`);
    else e[k] = { mean: Math.min(max, r.u8()), max };
  });
  return e;
}

class Writer {
  private buf: Buffer;
  private pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  u8(v: number): void {
    this.buf[this.pos++] = v;
  }
  /** Unsigned LEB128; values are whole and below 2^53. */
  varint(v: number): void {
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }
  /** null -> 0, n -> n + 1. */
  optVarint(v: number | null): void {
    this.varint(v === null ? 0 : v + 1);
  }
  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  get more(): boolean {
    return this.pos < this.buf.length;
  }
  u8(): number {
    if (this.pos >= this.buf.length) throw new Error('gpu blob truncated');
    return this.buf[this.pos++]!;
  }
  varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
      if (mul > 2 ** 56) throw new Error('gpu blob varint too long');
    }
  }
  optVarint(): number | null {
    const v = this.varint();
    return v === 0 ? null : v - 1;
  }
}

export function encodeGpus(gpus: readonly StoredGpu[]): Buffer {
  const sequential = gpus.every((g, i) => g.index === i);
  const zeroEngines = gpus.length > 0 && gpus.every((g) => isAllZero(g.engines));
  const withEngines = !zeroEngines && gpus.some((g) => g.engines !== undefined);
  // Upper bound per GPU: index 2 + lead/unknown 2 + util 3 + mem 8 + temp 1 + power 8 (+ engines 2 + 4 * 2 + 8).
  const w = new Writer(1 + gpus.length * 42);
  if (zeroEngines) w.u8(sequential ? FORMAT_SEQUENTIAL_ZERO_ENGINES : FORMAT_INDEXED_ZERO_ENGINES);
  else if (withEngines) w.u8(sequential ? FORMAT_SEQUENTIAL_ENGINES : FORMAT_INDEXED_ENGINES);
  else w.u8(sequential ? FORMAT_SEQUENTIAL : FORMAT_INDEXED);
  for (const g of gpus) {
    if (!sequential) w.varint(g.index);
    if (g.util === null) {
      w.u8(LEAD_UTIL_NULL);
      w.u8(g.utilUnknown);
    } else {
      if (g.utilUnknown > 0) {
        w.u8(LEAD_PARTLY_UNKNOWN);
        w.u8(g.utilUnknown);
      }
      w.u8(g.util.min);
      w.u8(g.util.mean);
      w.u8(g.util.max);
    }
    w.optVarint(g.memUsedMiB === null ? null : Math.ceil(g.memUsedMiB / MEM_UNIT_MIB));
    w.u8(g.tempC === null ? UNKNOWN_U8 : g.tempC);
    w.optVarint(g.powerW);
    if (withEngines) writeEngines(w, g.engines);
  }
  return w.done();
}

export function decodeGpus(blob: Uint8Array): StoredGpu[] {
  // A host section (host-codec.ts) may lead; the GPUs follow it.
  if (blob[0] === HOST_SECTION) blob = splitHostSection(blob).gpus;
  const r = new Reader(blob);
  const format = r.u8();
  if (format < FORMAT_SEQUENTIAL || format > FORMAT_INDEXED_ZERO_ENGINES) throw new Error(`unknown gpu blob format ${format}`);
  const sequential = format === FORMAT_SEQUENTIAL || format === FORMAT_SEQUENTIAL_ENGINES || format === FORMAT_SEQUENTIAL_ZERO_ENGINES;
  const withEngines = format === FORMAT_SEQUENTIAL_ENGINES || format === FORMAT_INDEXED_ENGINES;
  const zeroEngines = format === FORMAT_SEQUENTIAL_ZERO_ENGINES || format === FORMAT_INDEXED_ZERO_ENGINES;
  const out: StoredGpu[] = [];
  while (r.more) {
    const index = sequential ? out.length : r.varint();
    const lead = r.u8();
    let util: StoredGpu['util'] = null;
    let utilUnknown = 0;
    if (lead === LEAD_UTIL_NULL) {
      utilUnknown = r.u8();
    } else {
      let min = lead;
      if (lead === LEAD_PARTLY_UNKNOWN) {
        utilUnknown = r.u8();
        min = r.u8();
      }
      if (min > 100) throw new Error(`gpu blob: bad utilization byte ${min}`);
      util = { min, mean: r.u8(), max: r.u8() };
    }
    const memUnits = r.optVarint();
    const memUsedMiB = memUnits === null ? null : memUnits * MEM_UNIT_MIB;
    const temp = r.u8();
    const powerW = r.optVarint();
    const g: StoredGpu = { index, util, utilUnknown, memUsedMiB, tempC: temp === UNKNOWN_U8 ? null : temp, powerW };
    const engines = withEngines ? readEngines(r) : zeroEngines ? allZero() : undefined;
    if (engines !== undefined) g.engines = engines;
    out.push(g);
  }
  return out;
}
