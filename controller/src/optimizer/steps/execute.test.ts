// The execute step alone: planned actions go through a real executor to the provider, every outcome is counted, and
// only a pause that succeeded moves the idle clock to stopped at once (a failed one or a warning leaves it running).
import { describe, expect, it } from 'vitest';
import { MemoryProvider, memoryInstance } from '../../../../test/fakes/memory-provider';
import { useTempStore } from '../../../../test/helpers/temp-store';
import { memoryLogger } from '../../../../test/support/memory-logger';
import { parseConfig } from '../../config/config';
import { ProviderError } from '../../domain/errors';
import type { ProviderInstance, ProviderName } from '../../domain/instance';
import { protectionsOf } from '../../engine';
import { Executor, type PlannedAction } from '../../executor/executor';
import type { Notifier } from '../../notify/webhook-notifier';
import type { Provider } from '../../providers/provider';
import { IdleTracker } from '../idle-tracker';
import { StoreActionLog } from '../store-action-log';
import { executePlan } from './execute';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const NOW = T0 + 3_600_000;
const ts = useTempStore();

function setup() {
  const { logger } = memoryLogger();
  const config = parseConfig({ DATA_DIR: ts.dir });
  const vast = new MemoryProvider([memoryInstance('1'), memoryInstance('2')]);
  ts.store.upsertInventory('vast', [...vast.instances.values()], T0);
  const idle = new IdleTracker(ts.store, config, logger);
  for (const r of ts.store.listInstances()) idle.observeInventory(r, T0);
  const messages: string[] = [];
  const notifier: Notifier = { notify: (t) => void messages.push(t), flush: async () => {} };
  const providers = new Map<ProviderName, Provider>([['vast', vast]]);
  const now = () => NOW;
  const executor = new Executor({
    providers,
    actions: new StoreActionLog(ts.store),
    notifier,
    logger,
    now,
    dryRun: false,
    checkpointTimeoutMs: 1_000,
    messages: { publicUrl: null },
    protections: (i: ProviderInstance) => protectionsOf(i, ts.store.activeHold(i.id, NOW)?.until ?? null, config, NOW),
    verifyAttempts: 1,
    verifyDelayMs: 0,
  });
  const counted: string[] = [];
  const metrics = { actions: { inc: (l: { kind: string; status: string }) => void counted.push(`${l.kind}/${l.status}`) } };
  const d = { executor, idle, now, metrics: metrics as never };
  return { d, vast, idle, counted, messages };
}

const planned = (id: string, kind: PlannedAction['kind']): PlannedAction => ({
  instanceId: `vast:${id}`,
  providerId: id,
  provider: 'vast',
  kind,
  reason: 'idle',
  logLine: `${kind.toUpperCase()}: vast:${id}`,
  figures: {},
  decisionKey: `${kind}:vast:${id}:${T0}`,
  notice: `${kind.toUpperCase()}: vast:${id}`,
  subject: { id: `vast:${id}`, name: id, provider: 'vast', gpuName: null, numGpus: 1, pricePerHour: null, stoppedPricePerHour: null },
});

describe('executePlan', () => {
  it('pauses, returns and counts the outcome, and tells the idle clock at once', async () => {
    const { d, vast, idle, counted, messages } = setup();
    const out = await executePlan(d, [planned('1', 'pause')]);
    expect(out).toEqual([{ instanceId: 'vast:1', kind: 'pause', status: 'succeeded', reason: 'idle' }]);
    expect(vast.instances.get('1')!.state).toBe('stopped');
    expect(counted).toEqual(['pause/succeeded']);
    expect(idle.get('vast:1')).toMatchObject({ lastState: 'stopped', stoppedSince: NOW });
    expect(ts.store.listActions({ instanceId: 'vast:1' }).map((a) => [a.kind, a.status])).toEqual([['pause', 'succeeded']]);
    expect(messages).toHaveLength(1);
  });

  it('leaves the idle clock running after a failed pause or a pause warning', async () => {
    const { d, vast, idle, counted } = setup();
    vast.failNext.push({ op: 'pause', error: new ProviderError({ provider: 'vast', op: 'pause', message: 'HTTP 400', retryable: false, status: 400 }) });
    const out = await executePlan(d, [planned('1', 'pause'), planned('2', 'warn-pause')]);
    // Outcomes come in the order the actions finished (the executor runs several at once), not the plan's order.
    expect(out.map((a) => [a.instanceId, a.kind, a.status]).sort()).toEqual([
      ['vast:1', 'pause', 'failed'],
      ['vast:2', 'warn-pause', 'succeeded'],
    ]);
    expect(counted.sort()).toEqual(['pause/failed', 'warn-pause/succeeded']);
    expect(idle.get('vast:1')!.lastState).toBe('running');
    expect(idle.get('vast:2')!.lastState).toBe('running');
    expect(vast.instances.get('1')!.state).toBe('running');
  });
});
