// toEngineInstance with the last cycle's instance: reused only when every field would be the same; any one input that
// changed (a record field, a hold, an audit row, keyboard evidence, a contest, a team policy) builds a new one.
import { describe, expect, it } from 'vitest';
import { memoryInstance } from '../../../test/fakes/memory-provider';
import type { ActionRecord, InstanceRecord, Store } from '../store';
import type { InteractiveActivity } from '../domain/interactive';
import type { EngineInstance, TeamPolicy } from '../engine';
import { CONTEXT_KEYS, type FleetContext, RECORD_KEYS, toEngineInstance } from './engine-inputs';

const NOW = Date.parse('2026-11-01T01:00:00Z');

// One ssh and labels object, as a record patched in memory keeps them (a row read again has new ones: not reused).
const SSH = { host: '10.0.0.1', port: 22 };
const LABELS = { team: 'a' };

function record(over: Partial<InstanceRecord> = {}): InstanceRecord {
  return Object.freeze({
    ...memoryInstance('1', { ssh: SSH, labels: LABELS }),
    firstSeen: NOW - 3_600_000,
    lastInventoryAt: NOW,
    runningSince: NOW - 3_600_000,
    metricSource: 'agent' as const,
    lastSampleAt: NOW,
    memTotalMiB: 24_000,
    agentFacts: null,
    ...over,
  });
}

function action(over: Partial<ActionRecord>): ActionRecord {
  return {
    id: 1,
    instanceId: 'vast:1',
    kind: 'pause',
    status: 'succeeded',
    reason: '',
    createdAt: NOW - 60_000,
    updatedAt: NOW - 60_000,
    figures: {},
    ...over,
  } as ActionRecord;
}

interface World {
  actions?: ActionRecord[];
  hold?: number;
  interactive?: InteractiveActivity | null;
  team?: TeamPolicy | null;
}

function build(rec: InstanceRecord, w: World, previous: EngineInstance | null, contested: EngineInstance['contested'] = null): EngineInstance {
  const store = { interactiveActivity: () => w.interactive ?? null } as unknown as Store;
  const ctx: FleetContext = {
    actionsByInstance: new Map(w.actions ? [[rec.id, w.actions]] : []),
    holdUntil: new Map(w.hold !== undefined ? [[rec.id, w.hold]] : []),
    teamPolicy: w.team === undefined ? null : () => w.team ?? null,
  };
  return toEngineInstance(rec, store, NOW, false, ctx, contested ?? null, previous);
}

describe('toEngineInstance with the last cycle instance', () => {
  it('compares every field it builds: the record fields it copies and the ones made from the rest', () => {
    const keys = Object.keys(build(record(), {}, null)).sort();
    expect(keys).toEqual([...RECORD_KEYS, ...CONTEXT_KEYS].sort());
  });

  it('returns the last instance itself when nothing changed, even from a new record object with the same fields', () => {
    const rec = record();
    const typed: InteractiveActivity = {
      reportedAt: NOW,
      terminalInputAt: NOW - 1000,
      terminals: 'ok',
      notebookActivityAt: null,
      notebookBusy: false,
      notebooks: 'none',
    };
    const team = { team: 'a', idleMinutes: 120, noDelete: false };
    const w: World = {
      actions: [action({ kind: 'warn-pause', figures: { calledOffAt: NOW - 5000, idleMs: 60_000 } })],
      hold: NOW + 1,
      interactive: typed,
      team,
    };
    const first = build(rec, w, null);
    // The inventory touched the row (a new frozen record, same fields); the audit rows and teams were read again.
    const again = build(record({ lastInventoryAt: NOW + 60_000, lastSampleAt: NOW + 60_000 }), { ...w, actions: [...w.actions!], team: { ...team } }, first);
    expect(again).toBe(first);
  });

  it('builds a new instance when any record field it copies changed', () => {
    const first = build(record(), {}, null);
    const changes: Partial<InstanceRecord>[] = [
      { providerId: '2' },
      { name: 'box-1 [protect]' },
      { state: 'stopped' },
      { rawState: 'exited' },
      { gpuName: 'H100' },
      { numGpus: 2 },
      { pricePerHour: 9 },
      { stoppedPricePerHour: 1 },
      { createdAt: 5 },
      { ssh: { host: '10.0.0.1', port: 22 } },
      { labels: { team: 'a' } },
      { providerUtil: 50 },
      { id: 'vast:9' },
      { provider: 'tensordock' },
    ];
    expect(changes.map((c) => Object.keys(c)[0]).sort()).toEqual([...RECORD_KEYS].sort());
    for (const c of changes) {
      const next = build(record(c), {}, first);
      expect(next, JSON.stringify(c)).not.toBe(first);
      expect(next).toEqual(build(record(c), {}, null));
    }
  });

  it('builds a new instance when a hold, an audit row, keyboard evidence, a contest or a team policy changed', () => {
    const first = build(record(), {}, null);
    const worlds: [string, World, EngineInstance['contested']?][] = [
      ['hold', { hold: NOW + 3_600_000 }],
      ['last action', { actions: [action({ status: 'planned' })] }],
      ['delete warning', { actions: [action({ kind: 'warn', status: 'succeeded' })] }],
      ['pause warning', { actions: [action({ kind: 'warn-pause', status: 'succeeded' })] }],
      ['resume', { actions: [action({ kind: 'resume', status: 'succeeded' })] }],
      ['false alarm', { actions: [action({ kind: 'warn-pause', status: 'failed', figures: { calledOffAt: NOW - 5000, idleMs: 60_000 } })] }],
      [
        'keyboard',
        {
          interactive: { reportedAt: NOW, terminalInputAt: NOW, terminals: 'ok', notebookActivityAt: null, notebookBusy: false, notebooks: 'none' },
        },
      ],
      ['team policy', { team: { team: 'a', idleMinutes: 120, noDelete: false } }],
      ['contest', {}, { until: NOW + 60_000, addresses: ['10.0.0.2'] }],
    ];
    for (const [what, w, contested] of worlds) {
      const next = build(record(), w, first, contested);
      expect(next, what).not.toBe(first);
      expect(next, what).toEqual(build(record(), w, null, contested));
    }
    // And back: the instance with the hold is not reused once the hold is gone.
    const held = build(record(), { hold: NOW + 3_600_000 }, null);
    expect(build(record(), {}, held).holdUntil).toBeNull();
  });

  it('tells a changed audit row from the same one read again', () => {
    const planned = build(record(), { actions: [action({ status: 'planned' })] }, null);
    expect(build(record(), { actions: [action({ status: 'planned' })] }, planned)).toBe(planned);
    const done = build(record(), { actions: [action({ status: 'succeeded' })] }, planned);
    expect(done).not.toBe(planned);
    expect(done.lastAction).toEqual({ kind: 'pause', status: 'succeeded', at: NOW - 60_000 });
  });
});
