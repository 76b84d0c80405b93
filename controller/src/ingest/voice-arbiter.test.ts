// The arbiter's bookkeeping with a fake clock: one WARN and one listener call per contest episode, addresses merged,
// the window extended by every new attempt, a new episode once it expired. The socket paths are in ingest.test.ts.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { VoiceArbiter } from './voice-arbiter';

function arbiter() {
  let now = Date.UTC(2026, 0, 1);
  const lines: string[] = [];
  const heard: string[][] = [];
  const logger = createLogger({ level: 'debug', sink: (_l, line) => lines.push(line) });
  const a = new VoiceArbiter({ logger, now: () => now, contestWindowMs: 60_000, onContest: (_id, c) => heard.push([...c.addresses]) });
  return { a, lines, heard, tick: (ms: number) => (now += ms), now: () => now };
}

describe('VoiceArbiter contests', () => {
  it('warns and notifies once per episode, merging addresses and extending the window', () => {
    const { a, lines, heard, tick, now } = arbiter();
    expect(a.contested('vast:1')).toBeNull();
    a.mark('vast:1', ['10.0.0.1:1', '10.0.0.2:2'], 'test');
    tick(30_000);
    a.mark('vast:1', ['10.0.0.1:1', '10.0.0.3:3'], 'test again');
    const c = a.contested('vast:1')!;
    expect(c.until).toBe(now() + 60_000);
    expect(c.addresses).toEqual(['10.0.0.1:1', '10.0.0.2:2', '10.0.0.3:3']);
    expect(heard).toEqual([['10.0.0.1:1', '10.0.0.2:2']]);
    expect(lines.filter((l) => l.includes('WARN'))).toHaveLength(1);
    expect(a.contested('vast:2')).toBeNull();
  });

  it('starts a new episode after the window and forgets a contest a day after it ended', () => {
    const { a, heard, tick } = arbiter();
    a.mark('vast:1', ['10.0.0.1:1', '10.0.0.2:2'], 'test');
    tick(61_000);
    expect(a.contested('vast:1')).not.toBeNull(); // the engine still needs the end time for a whole window after it
    a.mark('vast:1', ['10.0.0.4:4', '10.0.0.2:2'], 'again');
    expect(heard).toHaveLength(2);
    expect(a.contested('vast:1')!.addresses).toEqual(['10.0.0.4:4', '10.0.0.2:2']);
    tick(60_000 + 86_400_001);
    expect(a.contested('vast:1')).toBeNull();
  });

  it('refuses settings that would never contest anything', () => {
    const logger = createLogger({ level: 'error', sink: () => undefined });
    expect(() => new VoiceArbiter({ logger, now: Date.now, contestWindowMs: 0 })).toThrow(/contestWindowMs/);
  });
});
