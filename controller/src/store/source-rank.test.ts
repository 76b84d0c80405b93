import { describe, expect, it } from 'vitest';
import { TAKEOVER_GRACE_MS, takesOver } from './source-rank';

describe('takesOver', () => {
  const T = 1_750_000_000_000;
  it('keeps a better source heard from recently against a worse one', () => {
    expect(takesOver({ metricSource: 'agent', lastSampleAt: T }, 'provider', T + 30_000)).toBe(false);
    expect(takesOver({ metricSource: 'agent', lastSampleAt: T }, 'ssh', T + 30_000)).toBe(false);
    expect(takesOver({ metricSource: 'ssh', lastSampleAt: T }, 'agent', T + 1)).toBe(true);
  });
  it('lets a worse source take over once the better one fell silent, and never an older sample', () => {
    expect(takesOver({ metricSource: 'agent', lastSampleAt: T }, 'provider', T + TAKEOVER_GRACE_MS + 1)).toBe(true);
    expect(takesOver({ metricSource: 'provider', lastSampleAt: T }, 'provider', T - 1)).toBe(false);
    expect(takesOver({ metricSource: 'none', lastSampleAt: null }, 'provider', T)).toBe(true);
  });
});
