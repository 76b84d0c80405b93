// LoopHealth on a hand-driven clock: stale after 3 intervals without a finished cycle (from the start, too), fresh
// again after the next one; each provider's last success and its error since; a replica that has just become the
// leader is counted from then, however long it followed without being asked.
import { describe, expect, it } from 'vitest';
import { LoopHealth } from './loop-health';

const T = Date.parse('2026-12-01T10:00:00Z');

describe('LoopHealth', () => {
  it('is stale when no cycle finished within 3 intervals, and fresh again after one', () => {
    let now = T;
    const h = new LoopHealth(10, ['vast', 'gcp'], () => now);
    expect(h.snapshot()).toMatchObject({ ok: true, lastCycleAt: null, cycles: 0, staleAfterSeconds: 30 });
    now = T + 31_000;
    expect(h.snapshot()).toMatchObject({ ok: false, error: expect.stringMatching(/no cycle has finished in the 31 s since start/) });
    h.cycleFinished({
      providers: [
        { provider: 'vast', ok: true, instances: [], attempts: 1 },
        { provider: 'gcp', ok: false, error: 'HTTP 503', attempts: 3 },
      ],
    });
    expect(h.snapshot()).toEqual({
      ok: true,
      startedAt: new Date(T).toISOString(),
      lastCycleAt: new Date(T + 31_000).toISOString(),
      staleAfterSeconds: 30,
      cycles: 1,
      providers: { vast: { lastSuccessAt: new Date(T + 31_000).toISOString(), lastError: null }, gcp: { lastSuccessAt: null, lastError: 'HTTP 503' } },
    });
    now = T + 61_000;
    expect(h.snapshot().ok).toBe(true);
    now = T + 61_001;
    expect(h.snapshot()).toMatchObject({ ok: false, error: expect.stringMatching(/no cycle finished for 30 s/) });
    h.cycleFinished({ providers: [{ provider: 'gcp', ok: true, instances: [], attempts: 1 }] });
    expect(h.snapshot()).toMatchObject({ ok: true, providers: { gcp: { lastSuccessAt: new Date(T + 61_001).toISOString(), lastError: null } } });
    expect(h.sinceLastCycleMs()).toBe(0);
  });

  it('counts a replica that has just become the leader from then, even when nobody asked while it followed', () => {
    let now = T;
    let following = false;
    const h = new LoopHealth(
      1,
      ['vast'],
      () => now,
      () => following,
    );
    h.cycleFinished({ providers: [{ provider: 'vast', ok: true, instances: [], attempts: 1 }] });
    // It loses the lead (the database went away) and follows for a minute; /healthz answered 503 without asking.
    following = true;
    now = T + 60_000;
    following = false;
    h.becameLeader();
    now = T + 61_000;
    expect(h.snapshot()).toMatchObject({ ok: true, lastCycleAt: new Date(T).toISOString() });
    expect(h.sinceLastCycleMs()).toBe(1_000);
    // And it has 3 intervals for its first cycle as leader, no more.
    now = T + 63_001;
    expect(h.snapshot()).toMatchObject({ ok: false, error: expect.stringMatching(/no cycle finished for 3 s/) });
  });
});
