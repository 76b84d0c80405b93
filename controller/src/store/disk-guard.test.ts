import { describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { DiskGuard, freeBytesOf } from './disk-guard';

const MiB = 1024 * 1024;

function guard(free: { bytes: number | Error }, minFreeMb = 100) {
  const lines: string[] = [];
  let t = 0;
  const g = new DiskGuard({
    dir: '/data',
    minFreeMb,
    checkIntervalMs: 1000,
    logger: createLogger({ level: 'debug', sink: (_l, line) => lines.push(line), now: () => new Date(0) }),
    now: () => t,
    freeBytes: () => {
      if (free.bytes instanceof Error) throw free.bytes;
      return free.bytes;
    },
  });
  return { g, lines, advance: (ms: number) => (t += ms) };
}

describe('DiskGuard', () => {
  it('refuses below the floor with a reason naming the setting, and logs each transition once', () => {
    const free = { bytes: 50 * MiB };
    const { g, lines, advance } = guard(free);
    expect(g.refusal()).toBe('controller disk below its free-space floor (MIN_FREE_DISK_MB=100); batch not stored, retry later');
    advance(5000);
    expect(g.refusal()).not.toBeNull();
    expect(lines.filter((l) => l.includes('ERROR disk: 50 MiB free in /data, below MIN_FREE_DISK_MB=100'))).toHaveLength(1);
    free.bytes = 500 * MiB;
    expect(g.refusal()).not.toBeNull(); // read at most once per interval
    advance(1000);
    expect(g.refusal()).toBeNull();
    expect(lines.at(-1)).toContain('INFO  disk: 500 MiB free in /data again');
  });

  it('is off at 0 and keeps storing when free space cannot be read (and says so)', () => {
    expect(guard({ bytes: 0 }, 0).g.refusal()).toBeNull();
    const { g, lines } = guard({ bytes: new Error('EACCES') });
    expect(g.refusal()).toBeNull();
    expect(lines[0]).toContain('ERROR reading free space of /data failed; samples keep being stored: EACCES');
  });

  it('reads the real file system', () => {
    expect(freeBytesOf('.')).toBeGreaterThan(0);
  });
});
