// The observe step alone: a paused instance seen running again is recorded as resumed by its user (once), its idle
// clock restarts; nothing is recorded for a start that did not follow our pause, nor for a stale provider's instances.
import { describe, expect, it } from 'vitest';
import { memoryInstance } from '../../../../test/fakes/memory-provider';
import { useTempStore } from '../../../../test/helpers/temp-store';
import { memoryLogger } from '../../../../test/support/memory-logger';
import { parseConfig } from '../../config/config';
import type { ProviderName } from '../../domain/instance';
import { IdleTracker } from '../idle-tracker';
import { observeTransitions } from './observe';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const ts = useTempStore();

function setup() {
  const { logger, lines } = memoryLogger();
  const idle = new IdleTracker(ts.store, parseConfig({ DATA_DIR: ts.dir }), logger);
  const see = (state: 'running' | 'stopped', at: number, fresh: ProviderName[] = ['manual', 'vast']) => {
    ts.store.upsertInventory('vast', [memoryInstance('1', { state, rawState: state })], at);
    observeTransitions({ idle, store: ts.store, logger }, { records: ts.store.listInstances(), fresh: new Set(fresh) }, at);
  };
  const resumes = () => ts.store.listActions({ instanceId: 'vast:1' }).filter((a) => a.kind === 'resume');
  return { idle, see, resumes, lines };
}

describe('observeTransitions', () => {
  it('records a resume after our succeeded pause, once, and restarts the idle clock', () => {
    const { idle, see, resumes, lines } = setup();
    see('running', T0);
    expect(idle.get('vast:1')!.runningSince).toBe(T0);
    ts.store.insertAction({ instanceId: 'vast:1', kind: 'pause', status: 'succeeded', reason: 'idle' }, T0 + 60_000);
    see('stopped', T0 + 120_000);
    see('running', T0 + 180_000);
    see('running', T0 + 240_000);
    expect(resumes()).toHaveLength(1);
    expect(idle.get('vast:1')!.runningSince).toBe(T0 + 180_000);
    expect(lines.some((l) => l.includes('RESUMED: vast:1 is running again'))).toBe(true);
  });

  it('records nothing when the stop was not ours, and skips a provider whose list is stale', () => {
    const { idle, see, resumes } = setup();
    see('running', T0);
    see('stopped', T0 + 60_000);
    see('running', T0 + 120_000);
    expect(resumes()).toHaveLength(0);
    // Not fresh this cycle: the stored record is not taken as news.
    see('stopped', T0 + 180_000, ['manual']);
    expect(idle.get('vast:1')!.lastState).toBe('running');
  });
});
