// The last cycle's decisions: each cycle replaces the whole set (an instance that cycle did not decide has no entry),
// and forget() hides one so the views decide it afresh until the next cycle.
import { describe, expect, it } from 'vitest';
import { engineConfig, engineInstance } from '../../../test/support/engine-test-kit';
import { decideOne } from '../engine';
import { LastDecisions } from './last-decisions';

const T0 = Date.parse('2026-11-01T00:00:00Z');

function fleet(ids: string[], at: number) {
  const inputs = new Map(
    ids.map((id) => {
      const instance = engineInstance({ id });
      return [id, { instance, idle: null, decision: decideOne(instance, null, engineConfig(), at), at }];
    }),
  );
  return { inputs };
}

describe('LastDecisions', () => {
  it('keeps one cycle at a time and forgets on request', () => {
    const last = new LastDecisions();
    last.set(fleet(['vast:1', 'vast:2'], T0));
    expect(last.get('vast:1')).toMatchObject({ at: T0, decision: { instanceId: 'vast:1' }, instance: { id: 'vast:1' }, idle: null });
    last.set(fleet(['vast:2'], T0 + 60_000));
    expect(last.get('vast:1')).toBeNull();
    expect(last.get('vast:2')!.at).toBe(T0 + 60_000);
    last.forget('vast:2');
    expect(last.get('vast:2')).toBeNull();
    expect(last.size).toBe(0);
  });

  it('a forgotten entry stays hidden until the next cycle decides the instance again', () => {
    const last = new LastDecisions();
    last.set(fleet(['vast:1', 'vast:2'], T0));
    last.forget('vast:1');
    expect(last.get('vast:1')).toBeNull();
    expect(last.size).toBe(1);
    last.set(fleet(['vast:1'], T0 + 60_000));
    expect(last.get('vast:1')!.at).toBe(T0 + 60_000);
  });
});
