import { describe, expect, it } from 'vitest';
import type { PreparePauseResult } from '../../../protocol';
import { ProviderError } from '../domain/errors';
import { createLogger } from '../log';
import type { Notifier } from '../notify/webhook-notifier';
import { MemoryProvider, memoryInstance } from '../../../test/fakes/memory-provider';
import { MemoryActionLog } from '../../../test/support/memory-action-log';
import { protectionsOf } from '../engine/protection';
import { Executor, type ExecutorOptions, type PlannedAction } from './executor';

class ListNotifier implements Notifier {
  readonly messages: string[] = [];
  notify(t: string) {
    this.messages.push(t);
  }
  async flush() {}
}

function setup(over: Partial<ExecutorOptions> = {}, instances = [memoryInstance('1')]) {
  const provider = new MemoryProvider(instances);
  const actions = new MemoryActionLog();
  const notifier = new ListNotifier();
  const lines: string[] = [];
  const ex = new Executor({
    providers: new Map([['vast', provider]]),
    actions,
    notifier,
    logger: createLogger({ sink: (_l, line) => lines.push(line) }),
    now: () => 1_000,
    dryRun: false,
    checkpointTimeoutMs: 1000,
    messages: { publicUrl: null },
    protections: (i) => protectionsOf(i, null, { protectedInstances: [] }, 0),
    verifyAttempts: 2,
    verifyDelayMs: 1,
    ...over,
  });
  return { ex, provider, actions, notifier, lines };
}

const plan = (kind: PlannedAction['kind'], id = '1', key = `${kind}:vast:${id}:0`): PlannedAction => ({
  instanceId: `vast:${id}`,
  providerId: id,
  provider: 'vast',
  kind,
  reason: 'idle 30 min',
  logLine: `${kind.toUpperCase()}: vast:${id} (RTX 4090) - GPU avg=1.0% max=2.0% over 30 min, 180 samples (threshold=10.0%)`,
  figures: { maxUtil: 2 },
  decisionKey: key,
  notice: `:pause_button: ${kind.toUpperCase()}: vast:${id} (RTX 4090)`,
  subject: { id: `vast:${id}`, name: `box-${id}`, provider: 'vast', gpuName: 'RTX 4090', numGpus: 1, pricePerHour: 0.5, stoppedPricePerHour: null },
});

describe('Executor', () => {
  it('pauses, verifies, audits before and after, notifies and logs the seed line', async () => {
    const { ex, provider, actions, notifier, lines } = setup();
    const [r] = await ex.execute([plan('pause')]);
    expect(r).toMatchObject({ status: 'succeeded', kind: 'pause' });
    expect(provider.instances.get('1')!.state).toBe('stopped');
    expect(provider.calls).toEqual(['get 1', 'pause 1', 'get 1']);
    expect(actions.rows).toHaveLength(1);
    expect(actions.rows[0]).toMatchObject({ status: 'succeeded', kind: 'pause', figures: { attempts: 1, verifiedState: 'stopped' } });
    expect(notifier.messages[0]).toContain('PAUSE: vast:1 (RTX 4090)');
    expect(lines.some((l) => l.includes('PAUSE: vast:1 (RTX 4090) - GPU avg=1.0%'))).toBe(true);
  });

  it('never acts twice for one decision', async () => {
    const { ex, provider } = setup();
    await ex.execute([plan('pause')]);
    provider.instances.get('1')!.state = 'running'; // user resumed it
    const [r] = await ex.execute([plan('pause')]);
    expect(r!.reason).toBe('already done for this decision');
    expect(provider.calls.filter((c) => c.startsWith('pause'))).toHaveLength(1);
  });

  it('after a crash mid-action (planned row left), verifies instead of deleting again', async () => {
    const { ex, provider, actions } = setup();
    actions.insertPlanned({ decisionKey: 'delete:vast:1:0', instanceId: 'vast:1', kind: 'delete', reason: 'r', figures: {}, now: 0, leaseEpoch: null });
    provider.instances.delete('1'); // the delete went through before the crash
    const [r] = await ex.execute([plan('delete')]);
    expect(r).toMatchObject({ status: 'succeeded' });
    expect(r!.reason).toContain('verified after restart');
    expect(provider.calls.filter((c) => c.startsWith('delete'))).toHaveLength(0);
  });

  it('dry-run records and acts on nothing', async () => {
    const { ex, provider, actions } = setup({ dryRun: true });
    const rs = await ex.execute([plan('pause'), plan('delete', '1', 'd1'), plan('warn-delete', '1', 'w1')]);
    expect(rs.map((r) => r.status)).toEqual(['dry-run', 'dry-run', 'dry-run']);
    expect(provider.calls.filter((c) => !c.startsWith('get'))).toEqual([]);
    expect(provider.instances.get('1')!.state).toBe('running');
    expect(actions.rows.map((r) => r.status)).toEqual(['dry-run', 'dry-run', 'dry-run']);
  });

  it('skips when the re-check shows the instance is no longer running, or protected', async () => {
    const { ex, provider } = setup({}, [memoryInstance('1', { state: 'stopped' }), memoryInstance('2', { labels: { label: 'train [protect]' } })]);
    const rs = await ex.execute([plan('pause', '1'), plan('pause', '2')]);
    expect(rs.map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(provider.calls.filter((c) => c.startsWith('pause'))).toEqual([]);
  });

  it('the last-moment re-check applies the protection rule of the engine and says which protection applies', async () => {
    // PROTECTED_INSTANCES matches the provider id or the name, case-insensitively, exactly as the engine does.
    const { ex, provider } = setup({ protections: (i) => protectionsOf(i, null, { protectedInstances: [' TRAINER-1 '] }, 0) }, [
      memoryInstance('1', { name: 'trainer-1' }),
    ]);
    const [r] = await ex.execute([plan('pause', '1')]);
    expect(r).toMatchObject({ status: 'skipped', reason: 'instance is protected: PROTECTED_INSTANCES lists " TRAINER-1 "' });
    expect(provider.calls.filter((c) => c.startsWith('pause'))).toEqual([]);
  });

  it('the last-moment re-check honours a [no-delete] marker added since the decision (pause still allowed)', async () => {
    const { ex, provider } = setup({}, [
      memoryInstance('1', { state: 'stopped', name: 'render [no-delete]' }),
      memoryInstance('2', { labels: { 'cost-optimizer-no-delete': 'true' } }),
    ]);
    const rs = await ex.execute([plan('delete', '1', 'd1'), plan('delete', '2', 'd2'), plan('pause', '2')]);
    expect(rs.map((r) => [r.status, r.reason])).toEqual([
      ['skipped', 'instance is marked pause-only ([no-delete])'],
      ['skipped', 'instance is marked pause-only ([no-delete])'],
      ['succeeded', expect.any(String)],
    ]);
    expect(provider.calls.filter((c) => c.startsWith('delete'))).toEqual([]);
  });

  it('a failed checkpoint skips the pause and notifies', async () => {
    const result: PreparePauseResult = {
      v: 1,
      type: 'prepare-pause-result',
      requestId: 'r',
      outcome: 'failed',
      exitCode: 3,
      durationMs: 5,
      output: 'disk full',
    };
    const { ex, provider, notifier } = setup({ checkpoint: async () => result });
    const [r] = await ex.execute([plan('pause')]);
    expect(r).toMatchObject({ status: 'skipped', reason: 'checkpoint failed (exit 3)' });
    expect(provider.instances.get('1')!.state).toBe('running');
    expect(notifier.messages.some((m) => m.includes('skipped'))).toBe(true);
  });

  it('a provider failure is recorded as failed, notified, and retried on a later cycle', async () => {
    const { ex, provider, actions, notifier } = setup();
    provider.failNext.push({ op: 'pause', error: new ProviderError({ provider: 'vast', op: 'pause', message: 'HTTP 500', retryable: true, status: 500 }) });
    const [r1] = await ex.execute([plan('pause')]);
    expect(r1!.status).toBe('failed');
    expect(notifier.messages.some((m) => m.includes('failed'))).toBe(true);
    const [r2] = await ex.execute([plan('pause')]);
    expect(r2!.status).toBe('succeeded');
    expect(actions.rows[0]!.figures['attempts']).toBe(2);
  });

  it('fails (not succeeds) when the provider accepts but the state never changes', async () => {
    const { ex, provider } = setup();
    provider.ignoreActions = true;
    const [r] = await ex.execute([plan('pause')]);
    expect(r).toMatchObject({ status: 'failed' });
    expect(r!.reason).toContain('not verified');
  });

  it('an unknown outcome that did not land is re-read, fenced before the resend, and recorded as not acted', async () => {
    let asked = 0;
    const { ex, provider, actions, lines } = setup({
      fence: () => (++asked >= 2 ? 'this replica no longer holds the leader lease' : null),
      resend: { maxRetries: 2, baseDelayMs: 1, factor: 1, maxDelayMs: 1, jitter: 0 },
      sleep: async () => undefined,
    });
    provider.failNext.push({
      op: 'pause',
      error: new ProviderError({ provider: 'vast', op: 'pause', message: 'timed out (outcome unknown)', retryable: true, outcomeUnknown: true }),
    });
    const [r] = await ex.execute([plan('pause')]);
    expect(r).toMatchObject({ status: 'failed', reason: 'not acted: this replica no longer holds the leader lease' });
    // The re-check, the one pause, the re-read after its unknown outcome; the resend was fenced.
    expect(provider.calls).toEqual(['get 1', 'pause 1', 'get 1']);
    expect(actions.rows[0]!.figures['fenced']).toBe(true);
    expect(lines.some((l) => l.includes('NOT ACTING: vast:1 pause'))).toBe(true);
  });

  it('an unknown outcome that took effect is confirmed by the re-read and verified, never sent twice', async () => {
    const { ex, provider } = setup();
    const real = provider.pause.bind(provider);
    provider.pause = async (id: string) => {
      await real(id);
      throw new ProviderError({ provider: 'vast', op: 'pause', message: 'reset (outcome unknown)', retryable: true, outcomeUnknown: true });
    };
    const [r] = await ex.execute([plan('pause')]);
    expect(r).toMatchObject({ status: 'succeeded' });
    expect(provider.calls.filter((c) => c.startsWith('pause'))).toHaveLength(1);
  });

  it('a warning only notifies', async () => {
    const { ex, provider, notifier } = setup();
    const [r] = await ex.execute([plan('warn-delete')]);
    expect(r).toMatchObject({ status: 'succeeded', kind: 'warn' });
    expect(provider.calls).toEqual([]);
    expect(notifier.messages).toHaveLength(1);
  });

  describe('a planned row of an earlier lease epoch (replicas, previous-leader.ts)', () => {
    const remnant = (actions: MemoryActionLog, leaseEpoch: number | null) =>
      actions.insertPlanned({ decisionKey: 'pause:vast:1:0', instanceId: 'vast:1', kind: 'pause', reason: 'r', figures: {}, now: 0, leaseEpoch });

    it('is left to the previous leader while its call may still be on its way: no read, no call, row untouched', async () => {
      const lease = { epoch: 6, sincePreviousLeaseMs: 20_000 };
      const { ex, provider, actions } = setup({ lease: () => lease, previousCallMs: 40_000 });
      const row = remnant(actions, 5);
      const [r] = await ex.execute([plan('pause')]);
      expect(r).toMatchObject({ status: 'planned' });
      expect(r!.reason).toBe('planned by the previous leader (lease epoch 5), whose call may still be on its way: left to it for 20 s more');
      expect(provider.calls).toEqual([]);
      expect(actions.rows).toEqual([{ ...row }]);
      expect(row.leaseEpoch).toBe(5);
    });

    it('is claimed for this epoch once that time is over, then settled from the provider: a stop that landed is not sent again', async () => {
      const lease = { epoch: 6, sincePreviousLeaseMs: 40_001 };
      const { ex, provider, actions } = setup({ lease: () => lease, previousCallMs: 40_000 }, [memoryInstance('1', { state: 'stopped' })]);
      remnant(actions, 5);
      const [r] = await ex.execute([plan('pause')]);
      expect(r).toMatchObject({ status: 'succeeded' });
      expect(r!.reason).toContain('verified after restart: stopped');
      expect(actions.rows[0]).toMatchObject({ leaseEpoch: 6, status: 'succeeded' });
      expect(provider.calls).toEqual(['get 1']);
    });

    it('is carried out by the new leader when the previous call never landed, under the new epoch', async () => {
      const { ex, provider, actions } = setup({ lease: () => ({ epoch: 6, sincePreviousLeaseMs: 60_000 }), previousCallMs: 40_000 });
      remnant(actions, null); // a leader of a version before lease epochs
      const [r] = await ex.execute([plan('pause')]);
      expect(r).toMatchObject({ status: 'succeeded' });
      expect(provider.calls.filter((c) => c.startsWith('pause'))).toEqual(['pause 1']);
      expect(actions.rows[0]).toMatchObject({ leaseEpoch: 6, status: 'succeeded' });
    });

    it('is never taken from a newer epoch, nor by a replica that does not lead, nor when another claimed it first', async () => {
      for (const [lease, epoch, why] of [
        [{ epoch: 6, sincePreviousLeaseMs: 60_000 }, 7, "planned under lease epoch 7, newer than this replica's 6"],
        [{ epoch: null, sincePreviousLeaseMs: 0 }, 5, 'this replica does not hold the leader lease'],
      ] as const) {
        const { ex, provider, actions } = setup({ lease: () => lease, previousCallMs: 40_000 });
        remnant(actions, epoch);
        const [r] = await ex.execute([plan('pause')]);
        expect(r).toMatchObject({ status: 'planned', reason: why });
        expect(provider.calls).toEqual([]);
        expect(actions.rows[0]!.leaseEpoch).toBe(epoch);
      }
      const { ex, provider, actions } = setup({ lease: () => ({ epoch: 6, sincePreviousLeaseMs: 60_000 }), previousCallMs: 40_000 });
      remnant(actions, 5);
      actions.claim = () => false; // another replica's claim landed between the read and ours
      const [r] = await ex.execute([plan('pause')]);
      expect(r).toMatchObject({ status: 'planned', reason: 'held under lease epoch 5, not taken over by this replica (epoch 6)' });
      expect(provider.calls).toEqual([]);
    });

    it("a deposed leader's outcome is not written over the row a newer leader has claimed meanwhile", async () => {
      const { ex, provider, actions, lines } = setup({ lease: () => ({ epoch: 5, sincePreviousLeaseMs: Infinity }), previousCallMs: 40_000 });
      const pause = provider.pause.bind(provider);
      provider.pause = async (id: string) => {
        // This replica stalls past its lease inside the call; the new leader (epoch 6) claims the row and settles it.
        expect(actions.claim(1, 5, 6)).toBe(true);
        actions.update(1, 'succeeded', 'settled by the new leader', {}, 2_000, 6);
        return pause(id);
      };
      const [r] = await ex.execute([plan('pause')]);
      expect(r!.reason).toMatch(/\(not recorded: a newer leader has taken the row\)$/);
      expect(actions.rows[0]).toMatchObject({ status: 'succeeded', reason: 'settled by the new leader', leaseEpoch: 6 });
      expect(lines.some((l) => l.includes('a newer leader has taken its row; not recorded'))).toBe(true);
    });

    it('a failed row is planned again by a newer epoch, never by an older one; a replica that does not lead writes nothing', async () => {
      const failedUnder = (epoch: number) => {
        const { ex, provider, actions } = setup({ lease: () => ({ epoch: 6, sincePreviousLeaseMs: 0 }), previousCallMs: 40_000 });
        const row = remnant(actions, epoch);
        Object.assign(row, { status: 'failed', figures: { attempts: 1 } });
        return { ex, provider, actions };
      };
      const older = failedUnder(5);
      const [r1] = await older.ex.execute([plan('pause')]);
      expect(r1).toMatchObject({ status: 'succeeded' });
      expect(older.actions.rows[0]).toMatchObject({ leaseEpoch: 6, figures: { attempts: 2 } });
      const newer = failedUnder(7);
      const [r2] = await newer.ex.execute([plan('pause')]);
      expect(r2).toMatchObject({ status: 'planned', reason: 'held under lease epoch 7, not taken over by this replica (epoch 6)' });
      expect(newer.provider.calls).toEqual([]);
      expect(newer.actions.rows[0]).toMatchObject({ status: 'failed', leaseEpoch: 7 });
      const follower = setup({ lease: () => ({ epoch: null, sincePreviousLeaseMs: 0 }) });
      const [r3] = await follower.ex.execute([plan('pause')]);
      expect(r3).toMatchObject({ status: 'planned', reason: 'this replica does not hold the leader lease' });
      expect(follower.actions.rows).toEqual([]);
      expect(follower.provider.calls).toEqual([]);
    });

    it('a row this epoch planned (a remnant of a call that threw) and new rows carry the epoch held', async () => {
      const { ex, provider, actions } = setup({ lease: () => ({ epoch: 6, sincePreviousLeaseMs: 0 }), previousCallMs: 40_000 });
      remnant(actions, 6);
      const [r] = await ex.execute([plan('pause'), plan('warn-delete', '1', 'w1')]);
      expect(r).toMatchObject({ status: 'succeeded' });
      expect(provider.calls.filter((c) => c.startsWith('pause'))).toEqual(['pause 1']);
      expect(actions.rows.map((x) => x.leaseEpoch)).toEqual([6, 6]);
    });
  });
});
