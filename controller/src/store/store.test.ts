// The store contract, run unchanged on a real SQLite file and a real PostgreSQL database: tokens, inventory, samples with replay dedupe, listeners, audit, holds.
import { describe, expect, it } from 'vitest';
import type { ProviderInstance } from '../domain/instance';
import { batch, gpus, OK } from '../../../test/helpers/gpu-stats';
import { storeBackends, useTempStore } from '../../../test/helpers/temp-store';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrate';
import { MIGRATIONS } from './migrations';
import { openStore } from './store';
import type { SampleInput } from './types';

const T = 1_750_000_000_000;

function agentInput(instanceId: string, runId: string, seq: number, t1: number, util: number | null = 50): SampleInput {
  const b = batch(runId, seq, t1, gpus(8, util));
  return { instanceId, source: 'agent', t0: b.t0, t1: b.t1, gpus: b.gpus, procs: b.procs, health: b.health, run: { runId, seq } };
}

function vast(id: string, state: ProviderInstance['state'] = 'running'): ProviderInstance {
  return {
    id: `vast:${id}`,
    provider: 'vast',
    providerId: id,
    name: `box-${id}`,
    state,
    rawState: state,
    gpuName: 'RTX 4090',
    numGpus: 8,
    pricePerHour: 3.2,
    stoppedPricePerHour: 0.1,
    createdAt: T - 86_400_000,
    ssh: { host: 'ssh5.vast.ai', port: 12345 },
    labels: { team: 'a' },
    providerUtil: 12,
  };
}

describe.each(storeBackends())('%s store', (backend) => {
  const t = useTempStore(backend);

  describe('tokens', () => {
    it('stores only the hash and maps the token to its instance', () => {
      const token = t.store.createToken('manual:gpu-box', T);
      expect(token).toMatch(/^co_[A-Za-z0-9_-]{43}$/);
      expect(t.store.instanceForToken(token)).toBe('manual:gpu-box');
      expect(t.store.instanceForToken(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeNull();
      expect(t.store.instanceForToken('')).toBeNull();
      const hashes = t.store.db.prepare('SELECT hash FROM tokens').pluck().all() as string[];
      expect(hashes).toHaveLength(1);
      expect(hashes[0]).not.toContain(token.slice(3));
      expect(t.store.getInstance('manual:gpu-box')).toMatchObject({ provider: 'manual', name: 'gpu-box', state: 'unknown' });
    });

    it('refuses malformed instance ids and honours revocation', () => {
      expect(() => t.store.createToken('aws:i-123', T)).toThrow(/invalid instance id/);
      expect(() => t.store.createToken('vast:', T)).toThrow(/invalid instance id/);
      expect(() => t.store.createToken('vast:a b', T)).toThrow(/invalid instance id/);
      const token = t.store.createToken('vast:1', T);
      expect(t.store.revokeTokens('vast:1', T)).toBe(1);
      expect(t.store.instanceForToken(token)).toBeNull();
    });
  });

  describe('instances', () => {
    it('fills a placeholder from inventory and tracks running_since across restarts', () => {
      t.store.ensureInstance('vast:1', T);
      expect(t.store.getInstance('vast:1')).toMatchObject({ provider: 'vast', providerId: '1', state: 'unknown', lastInventoryAt: null });
      const r1 = t.store.upsertInventory('vast', [vast('1'), vast('2', 'stopped')], T + 1000);
      expect(r1.added).toEqual(['vast:2']);
      expect(r1.changed).toEqual([{ id: 'vast:1', from: 'unknown', to: 'running' }]);
      const i1 = t.store.getInstance('vast:1')!;
      expect(i1).toMatchObject({ name: 'box-1', state: 'running', runningSince: T + 1000, pricePerHour: 3.2, labels: { team: 'a' } });
      expect(i1.ssh).toEqual({ host: 'ssh5.vast.ai', port: 12345 });
      expect(t.store.getInstance('vast:2')!.runningSince).toBeNull();

      t.store.upsertInventory('vast', [vast('1'), vast('2')], T + 2000);
      expect(t.store.getInstance('vast:1')!.runningSince).toBe(T + 1000);
      expect(t.store.getInstance('vast:2')!.runningSince).toBe(T + 2000);

      t.store.upsertInventory('vast', [vast('1', 'stopped'), vast('2')], T + 3000);
      t.store.upsertInventory('vast', [vast('1'), vast('2')], T + 4000);
      expect(t.store.getInstance('vast:1')!.runningSince).toBe(T + 4000);
    });

    it('marks listed instances missing from the next list as deleted, leaves other providers alone', () => {
      t.store.upsertInventory('vast', [vast('1'), vast('2')], T);
      t.store.ensureInstance('vast:99', T);
      t.store.ensureInstance('manual:box', T);
      const r = t.store.upsertInventory('vast', [vast('2')], T + 1000);
      expect(r.changed).toEqual([{ id: 'vast:1', from: 'running', to: 'deleted' }]);
      expect(t.store.getInstance('vast:1')).toMatchObject({ state: 'deleted', runningSince: null });
      expect(t.store.getInstance('vast:99')!.state).toBe('unknown');
      expect(t.store.getInstance('manual:box')!.state).toBe('unknown');
      expect(t.store.listInstances().map((i) => i.id)).toEqual(['manual:box', 'vast:1', 'vast:2', 'vast:99']);
    });

    it('rejects an inventory entry of another provider without writing anything', () => {
      expect(() => t.store.upsertInventory('gcp', [vast('1')], T)).toThrow(/provider vast/);
      expect(t.store.getInstance('vast:1')).toBeNull();
    });

    it("a second connection's listing follows the first's inventory, sample marks, facts and new instances", () => {
      // A second replica on PostgreSQL; on SQLite, another process on the same file (`cost-optimizer token create`).
      const other = openStore(t.location);
      try {
        t.store.upsertInventory('vast', [vast('1'), vast('2')], T);
        const seen = () => new Map(other.listInstances().map((r) => [r.id, r]));
        expect(seen().get('vast:1')).toMatchObject({ state: 'running', metricSource: 'none', lastSampleAt: null, lastInventoryAt: T });

        // One kind of change at a time, each read back before the next.
        t.store.insertSamples([agentInput('vast:1', 'r1', 1, T + 10_000)], T + 10_000);
        expect(seen().get('vast:1')).toMatchObject({ metricSource: 'agent', lastSampleAt: T + 10_000, lastInventoryAt: T });
        // The same health again: only the sample marks change, not the instance's row.
        t.store.insertSamples([agentInput('vast:1', 'r1', 2, T + 20_000)], T + 20_000);
        expect(seen().get('vast:1')).toMatchObject({ lastSampleAt: T + 20_000 });
        t.store.upsertInventory('vast', [vast('1'), vast('2')], T + 60_000);
        expect(seen().get('vast:1')).toMatchObject({ lastInventoryAt: T + 60_000, lastSampleAt: T + 20_000 });
        t.store.upsertInventory('vast', [vast('1'), vast('2', 'stopped')], T + 120_000);
        expect(seen().get('vast:2')).toMatchObject({ state: 'stopped', lastInventoryAt: T + 120_000 });
        t.store.recordHello('vast:1', { v: 1, agentVersion: '9.9.9', hostname: 'box', driver: '550', gpus: 8 } as never, T + 120_000);
        expect(seen().get('vast:1')!.agentFacts?.helloAt).toBe(T + 120_000);
        t.store.ensureInstance('vast:3', T + 120_000);
        expect([...seen().keys()]).toEqual(['vast:1', 'vast:2', 'vast:3']);
        // A provider's listing moves the time of every instance it lists, on both connections; one it left out
        // (deleted) keeps the time it was found missing, and a placeholder never listed has none.
        t.store.upsertInventory('vast', [vast('1')], T + 180_000);
        t.store.upsertInventory('vast', [vast('1')], T + 240_000);
        for (const listing of [seen(), new Map(t.store.listInstances().map((r) => [r.id, r]))]) {
          expect(['vast:1', 'vast:2', 'vast:3'].map((id) => [listing.get(id)!.state, listing.get(id)!.lastInventoryAt])).toEqual([
            ['running', T + 240_000],
            ['deleted', T + 180_000],
            ['unknown', null],
          ]);
        }
        expect(other.getInstance('vast:2')!.lastInventoryAt).toBe(T + 180_000);
        expect(other.getInstance('vast:1')!.lastInventoryAt).toBe(T + 240_000);
        t.store.listInstances();
        // And back: the second connection's writes reach the first's listing.
        other.insertSamples([agentInput('vast:2', 'r2', 1, T + 130_000)], T + 130_000);
        expect(t.store.listInstances().find((r) => r.id === 'vast:2')).toMatchObject({ metricSource: 'agent', lastSampleAt: T + 130_000 });
      } finally {
        other.close();
      }
    });

    it('keeps the engine idle state as opaque JSON', () => {
      t.store.ensureInstance('vast:1', T);
      expect(t.store.getIdleState('vast:1')).toBeNull();
      expect(t.store.setIdleState('vast:1', { idleSince: 5, n: [1, 2] })).toBe(true);
      expect(t.store.setIdleState('vast:nope', {})).toBe(false);
      expect(t.store.getIdleState('vast:1')).toEqual({ idleSince: 5, n: [1, 2] });
      expect([...t.store.allIdleStates()]).toEqual([['vast:1', { idleSince: 5, n: [1, 2] }]]);
    });
  });

  describe('samples', () => {
    it('stores a batch, reads back the same summary and ignores replays', () => {
      const seen: [string, number][] = [];
      t.store.onSamplesCommitted((id, s) => seen.push([id, s.length]));
      const [r] = t.store.insertSamples([agentInput('vast:1', 'run-aaaaaaaa', 1, T)], T);
      expect(r!.status).toBe('inserted');
      expect(r!.maxSeq).toBe(1);
      expect(seen).toEqual([['vast:1', 1]]);
      const back = t.store.recentSamples('vast:1', 0);
      expect(back).toEqual([r!.summary]);
      expect(t.store.lastSample('vast:1')).toEqual(r!.summary);

      // The same (run, seq) again, even with another skew-corrected time: a no-op, still acknowledgeable.
      const [again] = t.store.insertSamples([agentInput('vast:1', 'run-aaaaaaaa', 1, T + 7)], T + 10);
      expect(again).toEqual({ status: 'duplicate', maxSeq: 1 });
      expect(t.store.sampleCount('vast:1')).toBe(1);
      expect(seen).toHaveLength(1);
      expect(t.store.ackedSeq('vast:1', 'run-aaaaaaaa')).toBe(1);
      expect(t.store.ackedSeq('vast:1', 'run-bbbbbbbb')).toBe(0);
      expect(t.store.getInstance('vast:1')).toMatchObject({ metricSource: 'agent', lastSampleAt: T, memTotalMiB: 8 * 81_559 });
      expect(t.store.getInstance('vast:1')!.agentFacts!.health).toEqual(OK);
    });

    it('dedupes replays after the database is closed and reopened', () => {
      t.store.insertSamples(
        [1, 2, 3].map((s) => agentInput('vast:1', 'run-aaaaaaaa', s, T + s * 10_000)),
        T + 40_000,
      );
      t.store.close();
      t.use(openStore(t.location));
      const rs = t.store.insertSamples(
        [2, 3, 4].map((s) => agentInput('vast:1', 'run-aaaaaaaa', s, T + s * 10_000 + 3)),
        T + 50_000,
      );
      expect(rs.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'inserted']);
      expect(rs.map((r) => r.maxSeq)).toEqual([3, 3, 4]);
      expect(t.store.sampleCount('vast:1')).toBe(4);
    });

    it('rejects intervals in the future and expires ones older than the raw retention', () => {
      const rs = t.store.insertSamples(
        [
          agentInput('vast:1', 'run-aaaaaaaa', 1, T + 60_000),
          agentInput('vast:1', 'run-aaaaaaaa', 2, T - 49 * 3_600_000),
          agentInput('bad id', 'run-aaaaaaaa', 3, T),
        ],
        T,
      );
      expect(rs.map((r) => r.status)).toEqual(['rejected', 'expired', 'rejected']);
      expect(rs[0]!.reason).toMatch(/future/);
      expect(rs[1]!.maxSeq).toBe(2);
      expect(t.store.sampleCount('vast:1')).toBe(0);
    });

    it('takes ssh and provider samples through the same path', () => {
      const ssh: SampleInput = { instanceId: 'gcp:us-central1-a/t1', source: 'ssh', t0: T - 5000, t1: T, gpus: gpus(2, 0), procs: null, health: OK };
      const [r] = t.store.insertSamples([ssh, { ...ssh, source: 'provider', t1: T + 1, gpus: gpus(1, 40) }], T + 1);
      expect(r!.status).toBe('inserted');
      // Stored, but SSH was heard from just now: it stays the instance's source and last sample.
      expect(t.store.getInstance('gcp:us-central1-a/t1')!.metricSource).toBe('ssh');
      expect(t.store.lastSample('gcp:us-central1-a/t1')!.source).toBe('ssh');
      // Once SSH has been silent for a while, the provider's figure is the best there is.
      t.store.insertSamples([{ ...ssh, source: 'provider', t0: T + 1, t1: T + 300_000, gpus: gpus(1, 40) }], T + 300_000);
      expect(t.store.getInstance('gcp:us-central1-a/t1')!.metricSource).toBe('provider');
      expect(t.store.recentSamples('gcp:us-central1-a/t1', 0).map((s) => s.source)).toEqual(['ssh', 'provider', 'provider']);
      // An exact repeat of a non-agent sample is a duplicate, not a second row.
      expect(t.store.insertSamples([ssh], T + 2)[0]!.status).toBe('duplicate');
    });

    it('stores a many-agent batch in one call exactly as it would one input at a time', () => {
      // Replays inside the batch, two runs of one instance, an expired and a rejected input, an SSH repeat, and a
      // provider figure beside SSH: the multi-row path must judge each against what the inputs before it left.
      const mix = (id: string): SampleInput[] => {
        const ssh: SampleInput = { instanceId: id, source: 'ssh', t0: T - 5000, t1: T, gpus: gpus(2, 0), procs: null, health: OK };
        return [
          agentInput(id, 'run-aaaaaaaa', 2, T - 20_000),
          agentInput(id, 'run-aaaaaaaa', 1, T - 30_000),
          agentInput(id, 'run-aaaaaaaa', 3, T - 10_000),
          agentInput(id, 'run-aaaaaaaa', 3, T - 10_000),
          agentInput(id, 'run-bbbbbbbb', 1, T - 9_000),
          agentInput(id, 'run-bbbbbbbb', 2, T - 49 * 3_600_000),
          agentInput(id, 'run-bbbbbbbb', 3, T + 60_000),
          ssh,
          ssh,
          { ...ssh, source: 'provider', t1: T + 1, gpus: gpus(1, 40) },
          agentInput(id, 'run-bbbbbbbb', 4, T),
        ];
      };
      const together = t.store.insertSamples(mix('vast:1'), T + 1);
      const alone = mix('vast:2').map((input) => t.store.insertSamples([input], T + 1)[0]!);
      const shape = (rs: typeof together) => rs.map((r) => ({ status: r.status, maxSeq: r.maxSeq, summary: r.summary }));
      expect(shape(together)).toEqual(shape(alone));
      expect(together.map((r) => r.status)).toEqual([
        'inserted',
        'duplicate',
        'inserted',
        'duplicate',
        'inserted',
        'expired',
        'rejected',
        'inserted',
        'duplicate',
        'inserted',
        'inserted',
      ]);
      for (const id of ['vast:1', 'vast:2']) {
        expect(t.store.ackedSeq(id, 'run-aaaaaaaa')).toBe(3);
        expect(t.store.ackedSeq(id, 'run-bbbbbbbb')).toBe(4);
        expect(t.store.sampleCount(id)).toBe(6);
      }
      const marks = (id: string) => {
        const r = t.store.getInstance(id)!;
        return { metricSource: r.metricSource, lastSampleAt: r.lastSampleAt, memTotalMiB: r.memTotalMiB, health: r.agentFacts?.health };
      };
      expect(marks('vast:1')).toEqual(marks('vast:2'));
      expect(marks('vast:1')).toMatchObject({ metricSource: 'agent', lastSampleAt: T, memTotalMiB: 8 * 81_559 });
      expect(t.store.lastSample('vast:1')).toEqual(t.store.lastSample('vast:2'));
      expect(t.store.recentSamples('vast:1', 0)).toEqual(t.store.recentSamples('vast:2', 0));
    });

    it('stores a flush of 700 rows across 70 instances, replays and existing rows among them, as one at a time', () => {
      // More rows than one statement takes (512), instances interleaved, a row the table already has, replays.
      const flush = (prefix: string): SampleInput[] => {
        const out: SampleInput[] = [];
        for (let seq = 1; seq <= 10; seq++) for (let n = 0; n < 70; n++) out.push(agentInput(`${prefix}${n}`, `run-${n}-aaaa`, seq, T - 100_000 + seq * 1_000));
        out.splice(300, 0, out[5]!, out[250]!);
        return out;
      };
      t.store.insertSamples([agentInput('vast:10', 'run-10-aaaa', 3, T - 97_000)], T);
      t.store.insertSamples([agentInput('vast:2010', 'run-10-aaaa', 3, T - 97_000)], T);
      const together = t.store.insertSamples(flush('vast:'), T);
      const alone = flush('vast:20').map((input) => t.store.insertSamples([input], T)[0]!);
      expect(together.map((r) => [r.status, r.maxSeq])).toEqual(alone.map((r) => [r.status, r.maxSeq]));
      // 702 inputs: the 2 replays, and vast:10's seq 1-3 (acked before the flush) are duplicates.
      expect(together.filter((r) => r.status === 'inserted')).toHaveLength(702 - 2 - 3);
      expect(t.store.sampleCount('vast:10')).toBe(t.store.sampleCount('vast:2010'));
      expect(t.store.lastSample('vast:69')).toEqual(t.store.lastSample('vast:2069'));
    });

    it('records a flush of hellos and health changes as one at a time would: the last of each instance wins', () => {
      const hello = (agentVersion: string) => ({ v: 1, agentVersion, hostname: 'box', driver: '550', gpus: 8 }) as never;
      t.store.recordHellos(
        [
          { instanceId: 'vast:1', hello: hello('1.0.0') },
          { instanceId: 'vast:2', hello: hello('2.0.0') },
          { instanceId: 'vast:1', hello: hello('1.0.1') },
        ],
        T,
      );
      const facts = (id: string) => t.store.getInstance(id)!.agentFacts!;
      expect([facts('vast:1').hello, facts('vast:2').hello]).toMatchObject([{ agentVersion: '1.0.1' }, { agentVersion: '2.0.0' }]);
      const sick = { state: 'error' as const, code: 'driver' as const, message: 'NVML: driver not loaded' };
      const rs = t.store.insertSamples(
        [
          { ...agentInput('vast:1', 'run-aaaaaaaa', 1, T), health: sick },
          { ...agentInput('vast:1', 'run-aaaaaaaa', 2, T + 10_000), health: OK },
          { ...agentInput('vast:2', 'run-bbbbbbbb', 1, T), health: sick },
        ],
        T + 10_000,
      );
      expect(rs.map((r) => r.status)).toEqual(['inserted', 'inserted', 'inserted']);
      expect([facts('vast:1').health, facts('vast:2').health]).toEqual([OK, sick]);
      expect(facts('vast:1')).toMatchObject({ healthAt: T + 10_000, hello: { agentVersion: '1.0.1' }, helloAt: T });
      // Back to the health written before it: written again (the stored one says otherwise).
      t.store.insertSamples([{ ...agentInput('vast:1', 'run-aaaaaaaa', 3, T + 20_000), health: sick }], T + 20_000);
      expect(facts('vast:1').health).toEqual(sick);
    });

    it('returns per-GPU detail newest first', () => {
      t.store.insertSamples([agentInput('vast:1', 'run-aaaaaaaa', 1, T, 10), agentInput('vast:1', 'run-aaaaaaaa', 2, T + 10_000, 90)], T + 10_000);
      const d = t.store.sampleDetails('vast:1', 0, 10);
      expect(d.map((s) => s.utilMax)).toEqual([93, 13]);
      expect(d[0]!.gpus).toHaveLength(8);
      expect(d[0]!.gpus[0]!.util).toEqual({ min: 87, mean: 90, max: 93 });
    });

    it('tells listeners nothing when the transaction rolls back', () => {
      const seen: string[] = [];
      t.store.onSamplesCommitted((id) => seen.push(id));
      expect(() =>
        t.store.transaction(() => {
          t.store.insertSamples([agentInput('vast:1', 'run-aaaaaaaa', 1, T)], T);
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(seen).toEqual([]);
      expect(t.store.sampleCount('vast:1')).toBe(0);
      t.store.insertSamples([agentInput('vast:1', 'run-aaaaaaaa', 1, T)], T);
      expect(seen).toEqual(['vast:1']);
    });

    it('keeps going when a listener throws', () => {
      t.store.onSamplesCommitted(() => {
        throw new Error('listener bug');
      });
      const seen: string[] = [];
      t.store.onSamplesCommitted((id) => seen.push(id));
      expect(t.store.insertSamples([agentInput('vast:1', 'run-aaaaaaaa', 1, T)], T)[0]!.status).toBe('inserted');
      expect(seen).toEqual(['vast:1']);
    });
  });

  describe('actions and holds', () => {
    it('makes a decision key idempotent and merges figures on update', () => {
      const a = t.store.insertAction(
        { instanceId: 'vast:1', kind: 'pause', status: 'planned', reason: 'idle 30 min', figures: { utilMax: 2 }, decisionKey: 'pause:vast:1:100' },
        T,
      );
      expect(a.created).toBe(true);
      const b = t.store.insertAction({ instanceId: 'vast:1', kind: 'pause', status: 'planned', reason: 'again', decisionKey: 'pause:vast:1:100' }, T + 1);
      expect(b.created).toBe(false);
      expect(b.record.id).toBe(a.record.id);
      const u = t.store.updateAction(a.record.id, { status: 'succeeded', figures: { verified: true } }, T + 5)!;
      expect(u).toMatchObject({ status: 'succeeded', reason: 'idle 30 min', figures: { utilMax: 2, verified: true }, createdAt: T, updatedAt: T + 5 });
      expect(t.store.updateAction(999, { status: 'failed' }, T)).toBeNull();
      t.store.insertAction({ instanceId: 'vast:2', kind: 'warn', status: 'dry-run', reason: 'r' }, T + 6);
      expect(t.store.listActions().map((x) => x.instanceId)).toEqual(['vast:2', 'vast:1']);
      expect(t.store.listActions({ instanceId: 'vast:1' })).toHaveLength(1);
      expect(t.store.getActionByDecisionKey('pause:vast:1:100')!.status).toBe('succeeded');
    });

    it('sets, replaces, reads and clears holds', () => {
      t.store.setHold('vast:1', T + 3_600_000, 'training', T);
      expect(t.store.activeHold('vast:1', T)).toMatchObject({ until: T + 3_600_000, reason: 'training' });
      expect(t.store.activeHold('vast:1', T + 3_600_000)).toBeNull();
      t.store.setHold('vast:1', T + 7_200_000, 'longer', T + 1);
      expect(t.store.listHolds()).toEqual([{ instanceId: 'vast:1', until: T + 7_200_000, reason: 'longer', createdAt: T + 1 }]);
      expect(t.store.clearHold('vast:1')).toBe(true);
      expect(t.store.getHold('vast:1')).toBeNull();
    });
  });

  describe('interactive activity', () => {
    const report = (reportedAt: number, terminalInputAt: number | null) =>
      ({ reportedAt, terminalInputAt, terminals: 'ok', notebookActivityAt: null, notebookBusy: false, notebooks: 'none' }) as const;

    it('keeps the newest report of each instance across a restart; a replayed older batch does not roll it back', () => {
      t.store.insertSamples([{ ...agentInput('vast:1', 'run-aaaaaaaa', 1, T), interactive: report(T, T - 60_000) }], T);
      t.store.insertSamples([{ ...agentInput('vast:1', 'run-aaaaaaaa', 2, T + 10_000), interactive: report(T + 10_000, T + 5_000) }], T + 10_000);
      // a replay of seq 1 from another run id (an agent restarted with an old buffer) carries an older report
      t.store.insertSamples([{ ...agentInput('vast:1', 'run-bbbbbbbb', 1, T - 20_000), interactive: report(T - 20_000, T - 90_000) }], T + 11_000);
      expect(t.store.interactiveActivity('vast:1')).toEqual(report(T + 10_000, T + 5_000));
      expect(t.store.interactiveActivity('vast:2')).toBeNull();
      t.store.close();
      const s = t.use(openStore(t.location));
      expect(s.interactiveActivity('vast:1')).toEqual(report(T + 10_000, T + 5_000));
    });

    it('a sample without a report (old agent, SSH) leaves the last report alone', () => {
      t.store.insertSamples([{ ...agentInput('vast:1', 'run-aaaaaaaa', 1, T), interactive: report(T, T - 60_000) }], T);
      t.store.insertSamples([agentInput('vast:1', 'run-aaaaaaaa', 2, T + 10_000)], T + 10_000);
      expect(t.store.interactiveActivity('vast:1')).toEqual(report(T, T - 60_000));
    });
  });

  describe('database', () => {
    it('answers health checks and records its migrations', () => {
      expect(t.store.healthy()).toBe(true);
      expect(t.store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(MIGRATIONS.map((m) => m.version));
      t.store.close();
      expect(t.store.healthy()).toBe(false);
    });

    it('refuses a database from a newer version', () => {
      t.store.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, ?, 0)').run('future');
      t.store.close();
      expect(() => openStore(t.location)).toThrow(/newer than this program/);
      t.use(openStore(':memory:'));
    });
  });
});

describe('SQLite database', () => {
  const t = useTempStore('sqlite');

  it('is in WAL mode', () => {
    expect((t.store.db as Database.Database).pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('upgrades a version-1 database: last inventory times move to their own table, nothing else changes', () => {
    t.store.close();
    const path = join(t.dir, 'v1.db');
    const v1 = new Database(path);
    migrate(
      v1,
      T,
      MIGRATIONS.filter((m) => m.version === 1),
    );
    v1.prepare(
      `INSERT INTO instances (id, provider, provider_id, name, state, raw_state, first_seen, last_inventory_at, idle_state)
      VALUES ('vast:1', 'vast', '1', 'box-1', 'running', 'running', ?, ?, '{"x":1}'), ('manual:m', 'manual', 'm', 'm', 'unknown', '-', ?, NULL, NULL)`,
    ).run(T, T + 5, T);
    v1.close();
    const s = t.use(openStore(path));
    expect(s.listInstances().map((r) => [r.id, r.lastInventoryAt, r.name])).toEqual([
      ['manual:m', null, 'm'],
      ['vast:1', T + 5, 'box-1'],
    ]);
    expect(s.getIdleState('vast:1')).toEqual({ x: 1 });
    s.upsertInventory('vast', [vast('1')], T + 60_000);
    expect(s.getInstance('vast:1')!.lastInventoryAt).toBe(T + 60_000);
  });
});
