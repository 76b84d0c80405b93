import { describe, expect, it } from 'vitest';
import { useTempStore } from '../../../test/helpers/temp-store';
import { gpuStatsFor } from '../../../test/sim-agent';
import { silentLogger } from '../log';
import type { InsertResult, SampleInput } from '../store/types';
import { BatchWriter } from './batch-writer';

const t = useTempStore();

function input(instanceId: string, seq: number): SampleInput {
  const t1 = Date.now() - 1000 + seq;
  return { instanceId, source: 'agent', t0: t1 - 10, t1, gpus: gpuStatsFor(1, 5), procs: 0, health: { state: 'ok' }, run: { runId: `run-${instanceId}`, seq } };
}

describe('BatchWriter fair share', () => {
  it('asks a flooding source to stop reading at its share, refuses it at twice that, and keeps room for others', () => {
    for (const id of ['manual:flood', 'manual:calm']) t.store.ensureInstance(id, Date.now());
    const backlog: [string, boolean][] = [];
    const w = new BatchWriter({
      store: t.store,
      logger: silentLogger,
      maxBatch: 5,
      maxQueue: 100,
      maxQueuePerSource: 5,
      flushDelayMs: 10_000,
      onBacklog: (id, over) => backlog.push([id, over]),
    });
    const results: InsertResult[] = [];
    const refusals: (string | null)[] = [];
    for (let seq = 1; seq <= 12; seq++) refusals.push(w.enqueueSample(input('manual:flood', seq), (r) => results.push(r as InsertResult)));
    expect(refusals.slice(0, 10)).toEqual(Array(10).fill(null));
    expect(refusals.slice(10)).toEqual([
      'this agent is over its share of the write queue; retry later',
      'this agent is over its share of the write queue; retry later',
    ]);
    expect(backlog).toEqual([['manual:flood', true]]);
    expect(w.queuedFor('manual:flood')).toBe(10);
    // The queue as a whole has room: another agent is not refused.
    expect(w.enqueueSample(input('manual:calm', 1), (r) => results.push(r as InsertResult))).toBeNull();
    w.flush();
    expect(results.map((r) => r.status)).toEqual(Array(11).fill('inserted'));
    expect(backlog).toEqual([
      ['manual:flood', true],
      ['manual:flood', false],
    ]);
    expect(w.queuedFor('manual:flood')).toBe(0);
  });

  it("refuses with the admission hook's reason (disk guard, rate limit)", () => {
    t.store.ensureInstance('manual:x', Date.now());
    const w = new BatchWriter({ store: t.store, logger: silentLogger, admit: () => 'disk low' });
    expect(w.enqueueSample(input('manual:x', 1), () => undefined)).toBe('disk low');
    expect(w.queued).toBe(0);
  });
});
