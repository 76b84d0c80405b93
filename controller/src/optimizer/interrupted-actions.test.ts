// Audit rows left `planned` with no call of this process carrying them, on both stores: a lone controller settles its
// crash remnants at once; a new leader leaves its predecessor's alone while that call may still be on its way, then
// claims them for its own lease epoch (compare and set) and settles them from the provider's word.
import { describe, expect, it } from 'vitest';
import { MemoryProvider, memoryInstance } from '../../../test/fakes/memory-provider';
import { memoryLogger } from '../../../test/support/memory-logger';
import { storeBackends, useTempStore } from '../../../test/helpers/temp-store';
import type { LeaseView } from '../executor/previous-leader';
import { settleInterruptedActions } from './interrupted-actions';

const T0 = Date.parse('2026-12-05T10:00:00Z');

describe.each(storeBackends())('interrupted pauses and deletes (%s)', (backend) => {
  const t = useTempStore(backend);

  function world(state: 'running' | 'stopped', leaseEpoch: number | null, decisionKey = 'pause:vast:1:0') {
    const vast = new MemoryProvider([memoryInstance('1', { state })]);
    t.store.upsertInventory('vast', [...vast.instances.values()], T0);
    const row = t.store.insertAction({ instanceId: 'vast:1', kind: 'pause', status: 'planned', reason: 'idle', decisionKey, leaseEpoch }, T0).record;
    const settle = (lease?: LeaseView) =>
      settleInterruptedActions(
        { store: t.store, providers: new Map([['vast', vast]]), logger: memoryLogger().logger, lease: lease && (() => lease), previousCallMs: 40_000 },
        T0 + 1,
      );
    return { vast, row, settle };
  }

  it('a row is claimed from the epoch its reader saw, only by a newer epoch, only while planned or failed', () => {
    const { row } = world('running', 5);
    expect(row.leaseEpoch).toBe(5);
    expect(t.store.claimAction(row.id, 4, 6)).toBe(false); // not the epoch it holds
    expect(t.store.claimAction(row.id, 5, 5)).toBe(false); // not newer
    expect(t.store.claimAction(row.id, 5, 6)).toBe(true);
    expect(t.store.claimAction(row.id, 5, 7)).toBe(false); // another replica's claim landed first
    expect(t.store.getAction(row.id)?.leaseEpoch).toBe(6);
    // Writes made as the holder of an epoch land only while the row is that epoch's: a deposed leader's late
    // outcome never overwrites what the new one recorded.
    expect(t.store.updateAction(row.id, { status: 'failed', reason: 'late', ifEpoch: 5 }, T0 + 1)).toBeNull();
    expect(t.store.getAction(row.id)).toMatchObject({ status: 'planned', reason: 'idle' });
    expect(t.store.updateAction(row.id, { status: 'failed', reason: 'x', ifEpoch: 6 }, T0 + 1)).toMatchObject({ status: 'failed', leaseEpoch: 6 });
    // A failed row is planned again by a newer leader, never by an older one; a settled row by nobody.
    expect(t.store.claimAction(row.id, 6, 5)).toBe(false);
    expect(t.store.claimAction(row.id, 6, 7)).toBe(true);
    t.store.updateAction(row.id, { status: 'succeeded', reason: 'done', ifEpoch: 7 }, T0 + 2);
    expect(t.store.claimAction(row.id, 7, 8)).toBe(false);
    const old = t.store.insertAction({ instanceId: 'vast:1', kind: 'delete', status: 'planned', reason: 'r', decisionKey: 'd' }, T0).record;
    expect(old.leaseEpoch).toBeNull();
    expect(t.store.updateAction(old.id, { status: 'planned', reason: 'r', ifEpoch: 1 }, T0)).toBeNull();
    expect(t.store.updateAction(old.id, { status: 'planned', reason: 'r', ifEpoch: null }, T0)).not.toBeNull();
    expect(t.store.claimAction(old.id, 5, 6)).toBe(false);
    expect(t.store.claimAction(old.id, null, 6)).toBe(true);
  });

  it("a new leader leaves the previous leader's row, no read, while its call may be on its way", async () => {
    const { vast, row, settle } = world('stopped', 5);
    expect(await settle({ epoch: 6, sincePreviousLeaseMs: 39_000 })).toBe(1);
    expect(vast.calls).toEqual([]);
    expect(t.store.getAction(row.id)).toMatchObject({ status: 'planned', leaseEpoch: 5 });
  });

  it('then claims it and settles it from the provider: a stop that landed is recorded, never sent again', async () => {
    const { vast, row, settle } = world('stopped', 5);
    expect(await settle({ epoch: 6, sincePreviousLeaseMs: 40_000 })).toBe(0);
    expect(vast.calls).toEqual(['get 1']);
    expect(t.store.getAction(row.id)).toMatchObject({ status: 'succeeded', leaseEpoch: 6, reason: 'idle (verified after a change of leader: stopped)' });
  });

  it('a stop that never landed is recorded failed, so a later cycle decides afresh; nothing is sent', async () => {
    const { vast, row, settle } = world('running', null);
    expect(await settle({ epoch: 2, sincePreviousLeaseMs: 60_000 })).toBe(0);
    expect(vast.calls).toEqual(['get 1']);
    expect(t.store.getAction(row.id)).toMatchObject({ status: 'failed', reason: 'interrupted by a change of leader; the instance is running' });
  });

  it('a replica that does not lead, or one of an older epoch, touches nothing', async () => {
    for (const [i, lease] of [
      { epoch: null, sincePreviousLeaseMs: 0 },
      { epoch: 4, sincePreviousLeaseMs: 60_000 },
    ].entries()) {
      const { vast, row, settle } = world('stopped', 5, `pause:vast:1:${i}`);
      expect(await settle(lease)).toBe(i + 1); // this case's row and the one before it, both still planned
      expect(vast.calls).toEqual([]);
      expect(t.store.getAction(row.id)).toMatchObject({ status: 'planned', leaseEpoch: 5 });
    }
  });

  it('a lone controller (no lease) settles its crash remnant at once, as before', async () => {
    const { vast, row, settle } = world('stopped', null);
    expect(await settle()).toBe(0);
    expect(vast.calls).toEqual(['get 1']);
    expect(t.store.getAction(row.id)).toMatchObject({ status: 'succeeded', reason: 'idle (verified after a restart: stopped)' });
  });
});
