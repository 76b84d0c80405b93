// The record step alone: one log line counts the cycle's decisions, actions, SSH polls and failed providers, and the
// cycle's duration goes to the metric in seconds.
import { describe, expect, it } from 'vitest';
import { engineConfig, engineInstance, feed, HOUR, stream, T0 } from '../../../../test/support/engine-test-kit';
import { memoryLogger } from '../../../../test/support/memory-logger';
import { decideOne, observeInventory } from '../../engine';
import { type CycleReport, recordCycle } from './record';

const cfg = engineConfig();

function report(over: Partial<CycleReport> = {}): CycleReport {
  const start = T0 - 2 * HOUR;
  const idle = feed(observeInventory(null, { state: 'running' }, start, cfg), stream(start, T0, 10_000, 2), cfg);
  const busy = feed(observeInventory(null, { state: 'running' }, start, cfg), stream(start, T0, 10_000, 80), cfg);
  return {
    at: T0,
    durationMs: 1_500,
    providers: [{ provider: 'vast', ok: true, instances: [], attempts: 1 }],
    decisions: [decideOne(engineInstance({ providerId: '1' }), idle, cfg, T0), decideOne(engineInstance({ providerId: '2' }), busy, cfg, T0)],
    actions: [{ instanceId: 'vast:1', kind: 'pause', status: 'succeeded', reason: 'idle' }],
    ssh: { polled: 2, ok: 1, failed: 1 },
    ...over,
  };
}

function setup() {
  const { logger, lines } = memoryLogger();
  const observed: number[] = [];
  const metrics = { cycleDuration: { observe: (s: number) => void observed.push(s) } };
  return { d: { logger, metrics: metrics as never }, lines, observed };
}

describe('recordCycle', () => {
  it('logs the counts of the cycle and observes its duration in seconds', () => {
    const { d, lines, observed } = setup();
    const r = report();
    expect(r.decisions.map((x) => x.kind)).toEqual(['pause', 'none']);
    recordCycle(d, r, 7, 3);
    expect(observed).toEqual([1.5]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /INFO +cycle 7: 3 instances; decisions pause=1 delete=0 warn=0 warn-pause=0; actions succeeded=1 failed=0 dry-run=0 skipped=0; ssh 1\/2 ok; 1500 ms$/,
    );
  });

  it('names the providers whose list failed', () => {
    const { d, lines } = setup();
    const providers: CycleReport['providers'] = [
      { provider: 'vast', ok: true, instances: [], attempts: 1 },
      { provider: 'tensordock', ok: false, error: 'HTTP 503', attempts: 2 },
      { provider: 'gcp', ok: false, error: 'timeout', attempts: 2 },
    ];
    recordCycle(d, report({ providers, decisions: [], actions: [] }), 2, 0);
    expect(lines[0]).toContain('cycle 2: 0 instances; decisions pause=0 delete=0');
    expect(lines[0]).toMatch(/; provider errors: tensordock, gcp; 1500 ms$/);
  });
});
