import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../log';
import { DiskGuard } from '../store/disk-guard';
import { IngestLimits } from './ingest-limits';

function limits(opts: ConstructorParameters<typeof IngestLimits>[0]) {
  const lines: string[] = [];
  let t = 1_000_000;
  const l = new IngestLimits(opts, createLogger({ sink: (_l, line) => lines.push(line), now: () => new Date(0) }), () => t);
  return { l, lines, advance: (ms: number) => (t += ms) };
}

describe('IngestLimits', () => {
  it('blocks an address after its failed attempts and logs one line per burst plus one summary', async () => {
    const { l, lines, advance } = limits({ authFailuresPerMinute: 3 });
    for (let i = 0; i < 3; i++) {
      expect(await l.authBlocked('10.0.0.9')).toBe(false);
      l.authFailed('10.0.0.9', 'unknown, revoked or expired token');
    }
    expect(await l.authBlocked('10.0.0.9')).toBe(true);
    expect(await l.authBlocked('10.0.0.8')).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('agent connection from 10.0.0.9 refused: unknown, revoked or expired token');
    l.sweep();
    expect(lines).toHaveLength(1); // the burst is still going
    advance(61_000);
    l.sweep();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('agent connections from 10.0.0.9: 4 refused');
  });

  it('gives each instance a burst and a sustained rate that reconnecting does not refill', () => {
    const { l, advance } = limits({ batchesPerSecond: 2, batchBurst: 3 });
    expect([1, 2, 3].map(() => l.batchRefusal('vast:1'))).toEqual([null, null, null]);
    expect(l.batchRefusal('vast:1')).toBe('batch rate above 2/s for this instance; retry later');
    expect(l.batchRefusal('vast:2')).toBeNull();
    advance(500);
    expect(l.batchRefusal('vast:1')).toBeNull();
    expect(l.batchRefusal('vast:1')).not.toBeNull();
  });

  it('refuses batches while the disk guard does', () => {
    const { l } = limits({ diskGuard: new DiskGuard({ dir: '/data', minFreeMb: 10, logger: silentLogger, freeBytes: () => 0 }) });
    expect(l.batchRefusal('vast:1')).toMatch(/free-space floor \(MIN_FREE_DISK_MB=10\)/);
  });

  it('bounds the samples one instance adds per clock hour, and forgets the count when the hour turns', () => {
    const { l, advance } = limits({ samplesPerHour: 2, batchesPerSecond: 1000, batchBurst: 1000 });
    expect([l.batchRefusal('vast:1'), l.batchRefusal('vast:1')]).toEqual([null, null]);
    expect(l.batchRefusal('vast:1')).toMatch(/more than 2 samples this hour for this instance \(AGENT_SAMPLES_PER_HOUR\)/);
    expect(l.batchRefusal('vast:2')).toBeNull();
    advance(3_600_000);
    l.sweep();
    expect(l.batchRefusal('vast:1')).toBeNull();
  });
});
