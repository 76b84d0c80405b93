// The one-voice fact: while two agents report for an instance (EngineInstance.contested) nothing counts as idle, a
// pause needs a whole window after the contest, and the delete rule's inactive clock restarts after it too.
import { describe, expect, it } from 'vitest';
import { decideOne } from './decide';
import { explain } from './explain';
import { observeInventory } from './observe-inventory';
import { engineConfig, engineInstance, feed, HOUR, MIN, stream, T0 } from '../../../test/support/engine-test-kit';
import type { EngineInstance } from './types';

const NOW = T0;
const cfg = engineConfig();
const idleFor2h = () => feed(observeInventory(null, { state: 'running' }, NOW - 2 * HOUR, cfg), stream(NOW - 2 * HOUR, NOW, 10_000, 3), cfg);
const contested = (until: number): Partial<EngineInstance> => ({ contested: { until, addresses: ['203.0.113.7:40000', '198.51.100.9:51234'] } });

describe('contested instance (two agents, one token)', () => {
  it('is kept while contested, and explain names both addresses', () => {
    const inst = engineInstance(contested(NOW + 5 * MIN));
    const d = decideOne(inst, idleFor2h(), cfg, NOW, { checks: true });
    expect(d.kind).toBe('none');
    expect(d.code).toBe('contested');
    expect(d.reason).toContain('kept: two agents report for this instance (addresses 203.0.113.7:40000, 198.51.100.9:51234)');
    expect(d.figures.idleSince).toBeNull();
    expect(d.figures.inactiveSince).toBeNull();
    expect(d.figures.next?.at).toBeGreaterThanOrEqual(NOW + 35 * MIN);
    expect(explain(d, inst)).toMatch(/\[no\] contested\s+kept: two agents report for this instance \(addresses 203\.0\.113\.7:40000, 198\.51\.100\.9:51234\)/);
  });

  it('needs a whole window after the contest ended', () => {
    const d = decideOne(engineInstance(contested(NOW - 10 * MIN)), idleFor2h(), cfg, NOW);
    expect(d.code).toBe('contested');
    expect(d.figures.idleSince).toBe(NOW - 10 * MIN + 1);
    const later = decideOne(engineInstance(contested(NOW - 31 * MIN)), idleFor2h(), cfg, NOW);
    expect(later.kind).toBe('pause');
  });

  it('never deletes a running instance on idle time from a contested stretch', () => {
    const c = engineConfig({ deleteThresholdHours: 1, deleteWarningHours: 0.5 });
    const st = feed(observeInventory(null, { state: 'running' }, NOW - 3 * HOUR, c), stream(NOW - 3 * HOUR, NOW, 10_000, 3), c);
    const warned = NOW - 2 * HOUR;
    const plain = decideOne(engineInstance({ deleteWarnedAt: warned }), st, c, NOW);
    expect(plain.kind).toBe('delete');
    const d = decideOne(engineInstance({ deleteWarnedAt: warned, ...contested(NOW - 20 * MIN) }), st, c, NOW);
    expect(d.kind).toBe('none');
    expect(d.figures.inactiveSince).toBe(NOW - 20 * MIN + 1);
  });

  it('treats a malformed contest time as contested for good', () => {
    const d = decideOne(engineInstance({ contested: { until: Number.NaN, addresses: [] } }), idleFor2h(), cfg, NOW);
    expect(d.code).toBe('contested');
    expect(d.figures.next).toBeNull();
  });

  it('changes nothing without a contest', () => {
    expect(decideOne(engineInstance({ contested: null }), idleFor2h(), cfg, NOW).kind).toBe('pause');
  });
});
