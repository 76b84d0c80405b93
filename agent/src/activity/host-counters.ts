// Pure parsers of the host's cumulative counters, as node_exporter and gopsutil read them: /proc/net/dev (bytes per
// interface), /proc/diskstats (sectors per block device) and the `cpu` line of /proc/stat (jiffies per state).

/** Bytes received + sent on every interface but loopback; null when the text has no interface line. */
export function parseNetDev(text: string): number | null {
  let total = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (f.length < 9 || name === '' || name.includes('|')) continue;
    seen = true;
    if (name === 'lo') continue; // loopback: a process talking to itself is no transfer
    const rx = Number(f[0]);
    const tx = Number(f[8]);
    if (Number.isFinite(rx) && Number.isFinite(tx)) total += rx + tx;
  }
  return seen ? total : null;
}

/**
 * Devices whose traffic is counted twice or is not a disk: loop devices (their files live on a real disk), RAM disks,
 * device-mapper and md (stacked on real disks), optical and floppy drives.
 */
const NOT_A_DISK = /^(loop|ram|zram|dm-|md|sr|fd|nbd)\d*/;
/** A partition of a whole disk (sda1, nvme0n1p2, mmcblk0p1, vda3): its bytes are already in the disk's line. */
const PARTITION = /^((h|s|v|xv)d[a-z]+\d+|nvme\d+n\d+p\d+|mmcblk\d+p\d+)$/;

/**
 * Bytes read + written on the host's whole disks (the kernel counts 512-byte sectors, whatever the device's sector
 * size). `wholeDisks`: the names under /sys/block, when readable; otherwise partitions are recognised by name.
 */
export function parseDiskStats(text: string, wholeDisks: ReadonlySet<string> | null): number | null {
  let total = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const name = f[2]!;
    seen = true;
    if (NOT_A_DISK.test(name)) continue;
    if (wholeDisks !== null ? !wholeDisks.has(name) : PARTITION.test(name)) continue;
    const read = Number(f[5]);
    const written = Number(f[9]);
    if (Number.isFinite(read) && Number.isFinite(written)) total += (read + written) * 512;
  }
  return seen ? total : null;
}

export interface CpuTimes {
  busy: number;
  total: number;
}

/** The `cpu` line of /proc/stat: busy = everything but idle and iowait (guest time is already in user). */
export function parseProcStatCpu(text: string): CpuTimes | null {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return null;
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n) || n < 0)) return null;
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3]! + (f[4] ?? 0);
  return { busy: total - idle, total };
}
