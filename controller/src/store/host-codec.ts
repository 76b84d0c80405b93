// The host section of a sample's blob: network, disk and CPU figures and the oldest inhibition. It goes in front of
// the GPU blob (gpu-codec.ts) behind a lead byte no GPU format uses, so every earlier blob still reads as it did.
// Rounding is upwards (kB/s, per mille): it never makes a host look idler than reported.
import type { HostFigures, InhibitFigures } from '../domain/host-activity';

export const HOST_SECTION = 0x10;
const NET = 1;
const DISK = 2;
const CPU = 4;
const INHIBIT = 8;
const MAX_WHY_BYTES = 120;

export interface HostSection {
  host: HostFigures | null;
  inhibit: InhibitFigures | null;
}

function varint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

const kilo = (mbs: number) => Math.min(2 ** 40, Math.ceil(mbs * 1000));

/** The section's bytes (lead byte included); an empty buffer when there is nothing to store. */
export function encodeHostSection(s: HostSection): Buffer {
  if (s.host === null && s.inhibit === null) return Buffer.alloc(0);
  const body: number[] = [];
  let mask = 0;
  const h = s.host;
  if (h?.netMBs != null) {
    mask |= NET;
    varint(body, kilo(h.netMBs));
  }
  if (h?.diskMBs != null) {
    mask |= DISK;
    varint(body, kilo(h.diskMBs));
  }
  if (h?.cpuPct != null) {
    mask |= CPU;
    varint(body, Math.min(1000, Math.ceil(h.cpuPct * 10)));
  }
  const i = s.inhibit;
  if (i !== null) {
    mask |= INHIBIT;
    varint(body, Math.min(255, i.count));
    varint(body, i.pid === null ? 0 : i.pid + 1);
    varint(body, Math.max(0, Math.floor(i.since / 1000)));
    varint(body, Math.max(0, Math.floor(i.until / 1000)));
    let why = Buffer.from(i.why, 'utf8');
    if (why.length > MAX_WHY_BYTES)
      why = Buffer.from(
        why
          .subarray(0, MAX_WHY_BYTES)
          .toString('utf8')
          .replace(/\uFFFD+$/, ''),
        'utf8',
      );
    varint(body, why.length);
    body.push(...why);
  }
  // A host with none of the figures known and no inhibition still says "host section present": the agent looked.
  const head: number[] = [HOST_SECTION, mask];
  varint(head, body.length);
  return Buffer.from([...head, ...body]);
}

/** Splits a stored blob into its host section (null when none) and the GPU blob behind it. */
export function splitHostSection(blob: Uint8Array): { section: HostSection | null; gpus: Uint8Array } {
  if (blob.length === 0 || blob[0] !== HOST_SECTION) return { section: null, gpus: blob };
  let pos = 1;
  const u8 = () => {
    if (pos >= blob.length) throw new Error('host section truncated');
    return blob[pos++]!;
  };
  const read = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = u8();
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
      if (mul > 2 ** 56) throw new Error('host section varint too long');
    }
  };
  const mask = u8();
  const len = read();
  const end = pos + len;
  if (end > blob.length) throw new Error('host section truncated');
  const host: HostFigures = { netMBs: null, diskMBs: null, cpuPct: null };
  if (mask & NET) host.netMBs = read() / 1000;
  if (mask & DISK) host.diskMBs = read() / 1000;
  if (mask & CPU) host.cpuPct = read() / 10;
  let inhibit: InhibitFigures | null = null;
  if (mask & INHIBIT) {
    const count = read();
    const pid = read();
    const since = read() * 1000;
    const until = read() * 1000;
    const n = read();
    if (pos + n > end) throw new Error('host section truncated');
    const why = Buffer.from(blob.subarray(pos, pos + n)).toString('utf8');
    pos += n;
    inhibit = { count, pid: pid === 0 ? null : pid - 1, since, until, why };
  }
  return { section: { host, inhibit }, gpus: blob.subarray(end) };
}
