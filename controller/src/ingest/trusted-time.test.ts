// Trusted time's two pure pieces: the floor a connection's samples may start at, and the clamp to it.
import { describe, expect, it } from 'vitest';
import type { SampleInput } from '../store/types';
import { clampToFloor, evidenceFloor, MAX_REPLAY_MS } from './trusted-time';

const T = Date.UTC(2026, 0, 1);
const input = (t0: number, t1: number): SampleInput => ({
  instanceId: 'vast:1',
  source: 'agent',
  t0,
  t1,
  gpus: [],
  procs: null,
  health: { state: 'ok' },
  run: { runId: 'run-000001', seq: 1 },
});

describe('evidenceFloor', () => {
  it('starts a new run at its connection, whatever data the instance had', () => {
    expect(evidenceFloor({ connectedAt: T, knownRun: false, lastAgentEnd: T - 3_600_000 })).toBe(T);
    expect(evidenceFloor({ connectedAt: T, knownRun: false, lastAgentEnd: null })).toBe(T);
  });
  it('lets a known run fill the time since the last stored agent sample, at most one buffer span back', () => {
    expect(evidenceFloor({ connectedAt: T, knownRun: true, lastAgentEnd: T - 600_000 })).toBe(T - 600_000);
    expect(evidenceFloor({ connectedAt: T, knownRun: true, lastAgentEnd: T - 3 * MAX_REPLAY_MS })).toBe(T - MAX_REPLAY_MS);
    expect(evidenceFloor({ connectedAt: T, knownRun: true, lastAgentEnd: null })).toBe(T);
    // A stored end after the connection (clock tolerance) never moves the floor past the connection.
    expect(evidenceFloor({ connectedAt: T, knownRun: true, lastAgentEnd: T + 3_000 })).toBe(T);
  });
});

describe('clampToFloor', () => {
  it('leaves a batch after the floor alone', () => {
    const i = input(T, T + 10_000);
    expect(clampToFloor(i, T)).toEqual({ input: i, cutMs: 0 });
  });
  it('cuts the part before the floor', () => {
    const r = clampToFloor(input(T - 4_000, T + 6_000), T);
    expect([r.input.t0, r.input.t1, r.cutMs]).toEqual([T, T + 6_000, 4_000]);
  });
  it('turns a batch wholly before the floor into an instant at it', () => {
    const r = clampToFloor(input(T - 86_400_000, T - 86_390_000), T);
    expect([r.input.t0, r.input.t1, r.cutMs]).toEqual([T, T, 86_400_000]);
  });
});
