// The host counter parsers on real captures (test/fixtures/host-proc, from a KVM guest) and on the edge cases.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDiskStats, parseNetDev, parseProcStatCpu } from './host-counters';

const fixture = (name: string) => readFileSync(join(__dirname, '../../../test/fixtures/host-proc', name), 'utf8');

describe('host counters', () => {
  it('sums received + sent bytes on every interface but lo', () => {
    // eth0: 148637736 received, 810008 sent; lo's 1439124 + 1439124 and the idle ifb devices add nothing.
    expect(parseNetDev(fixture('net-dev.txt'))).toBe(148637736 + 810008);
    expect(parseNetDev('Inter-|\n face |\n    lo: 5 0 0 0 0 0 0 0 5 0 0 0 0 0 0 0\n')).toBe(0);
    expect(parseNetDev('')).toBeNull();
  });

  it('sums sectors read + written on whole disks only (no loop, zram, dm, partitions), as bytes', () => {
    const text = fixture('diskstats.txt');
    expect(parseDiskStats(text, new Set(['loop0', 'vda', 'zram0']))).toBe((1906538 + 6145696) * 512);
    // Without /sys/block: partitions told apart by name.
    const withPartition = text + ' 254       1 vda1 100 0 800 0 100 0 800 0 0 0 0 0 0 0 0 0 0\n';
    expect(parseDiskStats(withPartition, null)).toBe((1906538 + 6145696) * 512);
    expect(parseDiskStats('', null)).toBeNull();
  });

  it('reads busy and total jiffies of the cpu line (idle and iowait are not busy)', () => {
    expect(parseProcStatCpu(fixture('stat-cpu.txt'))).toEqual({ busy: 50199 + 14375 + 214, total: 50199 + 14375 + 68079 + 229 + 214 });
    expect(parseProcStatCpu('intr 1 2 3\n')).toBeNull();
    expect(parseProcStatCpu('cpu  1 x 3 4\n')).toBeNull();
  });
});
