// Protection: PROTECTED_INSTANCES matching, the per-provider marker convention, holds.
import { describe, expect, it } from 'vitest';
import { configProtectionEntry, isProtectedByMarker, protectionsOf } from './protection';
import { engineConfig, engineInstance, HOUR, T0 } from '../../../test/support/engine-test-kit';

describe('isProtectedByMarker', () => {
  it.each([
    ['Vast label with [protect]', { name: 'llama-ft [protect]' }, true],
    ['Vast label, any case', { name: '[PROTECT] llama' }, true],
    ['TensorDock name with [protect]', { provider: 'tensordock' as const, name: 'render [protect]' }, true],
    ['GCP label cost-optimizer-protect=true', { provider: 'gcp' as const, name: 'trainer-1', labels: { 'cost-optimizer-protect': 'true' } }, true],
    ['GCP label value True', { provider: 'gcp' as const, labels: { 'Cost-Optimizer-Protect': 'True' } }, true],
    ['a label value with [protect] (adapter mapped the Vast label there)', { labels: { label: 'x [protect]' } }, true],
    ['GCP label false', { provider: 'gcp' as const, labels: { 'cost-optimizer-protect': 'false' } }, false],
    ['the word protect without brackets', { name: 'protected-run' }, false],
    ['nothing', {}, false],
  ])('%s -> %s', (_name, over, expected) => {
    expect(isProtectedByMarker(engineInstance(over))).toBe(expected);
  });
});

describe('PROTECTED_INSTANCES', () => {
  const inst = engineInstance({ id: 'vast:42', providerId: '42', name: 'Trainer' });
  it.each([
    [['vast:42'], 'vast:42'],
    [['42'], '42'],
    [['trainer'], 'trainer'],
    [[' VAST:42 '], ' VAST:42 '],
    [['vast:4', 'train'], null],
    [[], null],
  ])('%j -> %s', (list, expected) => {
    expect(configProtectionEntry(inst, list)).toBe(expected);
  });
});

describe('protectionsOf', () => {
  const cfg = engineConfig({ protectedInstances: ['vast:123456'] });
  it('lists every protection that applies, holds only while active', () => {
    const inst = engineInstance({ name: 'x [protect]' });
    expect(protectionsOf(inst, T0 + HOUR, cfg, T0).map((p) => p.by)).toEqual(['config', 'marker', 'hold']);
    expect(protectionsOf(inst, T0, cfg, T0).map((p) => p.by)).toEqual(['config', 'marker']);
    expect(protectionsOf(engineInstance({ id: 'vast:1', providerId: '1' }), null, cfg, T0)).toEqual([]);
  });
});
