// Compact per-GPU detail of one sample, stored as a BLOB: about 6-8 bytes per GPU, so a day of 8-GPU samples every
// 10 s stays under the 1 MB per instance-day target (docs/architecture.md, targets). Quantized values are what the summaries are built
// from, both when a batch is committed and when it is read back, so the engine sees the same numbers either way.
import type { GpuStats } from '../../../protocol';

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
}

const FORMAT_SEQUENTIAL = 1; // GPU indexes are 0..n-1 in order: not stored.
const FORMAT_INDEXED = 2; // each GPU carries its index as a varint.
const UNKNOWN_U8 = 255;
/**
 * Memory is stored in 16 MiB units: a busy GPU's 20-140 GiB then takes 2 varint bytes instead of 3 (8 bytes per
 * 8-GPU sample, what keeps a fully busy instance under 1 MB a day). Rounded up, so any use stays visible.
 */
export const MEM_UNIT_MIB = 16;
/** Lead byte of a GPU entry: 0-100 is util.min (no unknown readings, the common case: one byte saved per GPU). */
const LEAD_PARTLY_UNKNOWN = 254; // then: unknown count u8, min, mean, max
const LEAD_UTIL_NULL = 255; // then: unknown count u8

export function quantizeGpu(g: GpuStats): StoredGpu {
  let util: StoredGpu['util'] = null;
  if (g.util !== null) {
    const min = Math.max(0, Math.min(100, Math.floor(g.util.min)));
    const max = Math.max(0, Math.min(100, Math.ceil(g.util.max)));
    const mean = Math.max(min, Math.min(max, Math.round(g.util.mean)));
    util = { min, mean, max };
  }
  return {
    index: g.index,
    util,
    utilUnknown: Math.min(UNKNOWN_U8, g.utilUnknown),
    memUsedMiB: g.memUsed === null ? null : Math.ceil(g.memUsed.max / MEM_UNIT_MIB) * MEM_UNIT_MIB,
    tempC: g.temp === null ? null : Math.max(0, Math.min(254, Math.round(g.temp.max))),
    powerW: g.power === null ? null : Math.round(g.power.mean),
  };
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
  // Upper bound per GPU: index 2 + lead/unknown 2 + util 3 + mem 8 + temp 1 + power 8.
  const w = new Writer(1 + gpus.length * 24);
  w.u8(sequential ? FORMAT_SEQUENTIAL : FORMAT_INDEXED);
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
  }
  return w.done();
}

export function decodeGpus(blob: Uint8Array): StoredGpu[] {
  const r = new Reader(blob);
  const format = r.u8();
  if (format !== FORMAT_SEQUENTIAL && format !== FORMAT_INDEXED) throw new Error(`unknown gpu blob format ${format}`);
  const out: StoredGpu[] = [];
  while (r.more) {
    const index = format === FORMAT_SEQUENTIAL ? out.length : r.varint();
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
    out.push({ index, util, utilUnknown, memUsedMiB, tempC: temp === UNKNOWN_U8 ? null : temp, powerW });
  }
  return out;
}
