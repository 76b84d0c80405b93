// Per-host exponential backoff as a pure state machine.
import { describe, expect, it } from 'vitest';
import { HostBackoff } from './backoff';

describe('HostBackoff', () => {
  it('doubles the wait per consecutive failure up to the cap, and a success clears it', () => {
    const b = new HostBackoff({ baseMs: 1_000, maxMs: 5_000 });
    expect(b.blocked('h', 0)).toBeNull();
    expect(b.failure('h', 0)).toBe(1_000);
    expect(b.blocked('h', 999)).toEqual({ failures: 1, until: 1_000 });
    expect(b.blocked('h', 1_000)).toBeNull();
    expect(b.failure('h', 1_000)).toBe(3_000);
    expect(b.failure('h', 3_000)).toBe(7_000);
    expect(b.failure('h', 7_000)).toBe(12_000); // capped at 5 s
    expect(b.failures('h')).toBe(4);
    expect(b.blocked('other', 7_001)).toBeNull();
    b.success('h');
    expect(b.blocked('h', 7_001)).toBeNull();
    expect(b.failures('h')).toBe(0);
  });

  it('forgets hosts whose wait ended long ago', () => {
    const b = new HostBackoff({ baseMs: 1_000, maxMs: 2_000 });
    b.failure('gone', 0);
    b.failure('recent', 10_000);
    b.prune(2_500);
    expect(b.size).toBe(2);
    b.prune(4_000);
    expect(b.size).toBe(1);
    expect(b.failures('recent')).toBe(1);
  });

  it('rejects nonsense options', () => {
    expect(() => new HostBackoff({ baseMs: 10, maxMs: 5 })).toThrow(RangeError);
    expect(() => new HostBackoff({ baseMs: -1, maxMs: 5 })).toThrow(RangeError);
  });
});
