// The collect step alone: provider utilization becomes one sample per list for every host, with or without an agent
// (covering the time since the previous list), and running hosts with an SSH endpoint are polled over SSH unless an
// agent has reported for them for AGENT_SSH_OVERLAP_MINUTES.
import { describe, expect, it } from 'vitest';
import { memoryInstance } from '../../../../test/fakes/memory-provider';
import { gpuStats } from '../../../../test/helpers/gpu-stats';
import { useTempStore } from '../../../../test/helpers/temp-store';
import { memoryLogger } from '../../../../test/support/memory-logger';
import { parseConfig } from '../../config/config';
import type { ProviderInstance } from '../../domain/instance';
import type { SshPoller, SshResult, SshTarget } from '../../ssh';
import { SampleCollector } from './collect';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const ts = useTempStore();

function collector(ssh: SshPoller | null, agentLastSeen = new Map<string, number>(), now = () => T0, env: Record<string, string> = {}) {
  const { logger } = memoryLogger();
  const polls: string[] = [];
  const config = parseConfig({ DATA_DIR: ts.dir, CHECK_INTERVAL: '30', AGENT_SILENT_SECONDS: '60', ...env });
  const metrics = { sshPolls: { inc: (l: { result: string }) => void polls.push(l.result) } };
  const c = new SampleCollector({ config, store: ts.store, idle: { agentLastSeen }, ssh, logger, now, metrics: metrics as never });
  return { c, polls };
}

function listed(list: ProviderInstance[], at: number) {
  ts.store.upsertInventory('vast', list, at);
  return ts.store.listInstances();
}

describe('SampleCollector', () => {
  it('without SSH polls nothing, and stores provider utilization for every host that has a figure, agent or not', async () => {
    const agentLastSeen = new Map([['vast:2', T0 - 10_000]]);
    const { c } = collector(null, agentLastSeen);
    const list = [
      memoryInstance('1', { providerUtil: 7, ssh: { host: 'h1', port: 22 } }),
      memoryInstance('2', { providerUtil: 7 }),
      memoryInstance('3', { providerUtil: null }),
    ];
    expect(await c.collect(listed(list, T0), list, T0)).toEqual({ polled: 0, ok: 0, failed: 0 });
    // First list: the sample reaches CHECK_INTERVAL back; the next one covers the time since the previous list.
    expect(await c.collect(listed(list, T0 + 45_000), list, T0 + 45_000)).toEqual({ polled: 0, ok: 0, failed: 0 });
    const s = ts.store.recentSamples('vast:1', 0);
    expect(s.map((x) => [x.source, x.t0, x.t1, x.utilMax])).toEqual([
      ['provider', T0 - 30_000, T0, 7],
      ['provider', T0, T0 + 45_000, 7],
    ]);
    // vast:2 has a live agent: its provider figure is kept too (a busy one vetoes whatever the agent says).
    expect(ts.store.recentSamples('vast:2', 0).map((x) => [x.source, x.utilMax])).toEqual([
      ['provider', 7],
      ['provider', 7],
    ]);
    expect(ts.store.recentSamples('vast:3', 0)).toEqual([]);
  });

  it('polls over SSH only running hosts with an endpoint and no live agent, and stores what they returned', async () => {
    const targets: SshTarget[] = [];
    const fake = {
      sweep: async (asked: SshTarget[]): Promise<SshResult[]> => {
        targets.push(...asked);
        return asked.map((t) =>
          t.instanceId === 'vast:1'
            ? { ok: true, instanceId: t.instanceId, target: t, t0: T0 - 1_000, t1: T0, durationMs: 1_000, gpus: [gpuStats(0, 50)], procs: null }
            : { ok: false, instanceId: t.instanceId, target: t, t0: T0 - 1_000, t1: T0, durationMs: 1_000, code: 'auth', message: 'denied' },
        );
      },
      close: async () => {},
    };
    const agentLastSeen = new Map([['vast:3', T0 - 10_000]]);
    const { c, polls } = collector(fake as unknown as SshPoller, agentLastSeen);
    const list = [
      memoryInstance('1', { ssh: { host: 'h1', port: 2201 } }),
      memoryInstance('2', { ssh: { host: 'h2', port: 0 } }),
      memoryInstance('3', { ssh: { host: 'h3', port: 22 } }),
      memoryInstance('4', { ssh: { host: 'h4', port: 22 }, state: 'stopped', rawState: 'exited' }),
      memoryInstance('5'),
    ];
    expect(await c.collect(listed(list, T0), list, T0)).toEqual({ polled: 2, ok: 1, failed: 1 });
    expect(targets).toEqual([
      { instanceId: 'vast:1', host: 'h1', port: 2201, user: 'root' },
      { instanceId: 'vast:2', host: 'h2', port: 22, user: 'root' },
    ]);
    expect(polls).toEqual(['ok', 'auth']);
    expect(ts.store.recentSamples('vast:1', 0).map((x) => [x.source, x.utilMax, x.unknown])).toEqual([['ssh', 53, false]]);
    expect(ts.store.recentSamples('vast:2', 0).map((x) => [x.source, x.unknown])).toEqual([['ssh', true]]);
  });

  it('keeps polling a host over SSH for AGENT_SSH_OVERLAP_MINUTES after its agent arrives', async () => {
    const asked: string[][] = [];
    const fake = {
      sweep: async (targets: SshTarget[]): Promise<SshResult[]> => {
        asked.push(targets.map((t) => t.instanceId));
        return targets.map((t) => ({
          ok: true,
          instanceId: t.instanceId,
          target: t,
          t0: T0 - 1_000,
          t1: T0,
          durationMs: 1,
          gpus: [gpuStats(0, 97)],
          procs: null,
        }));
      },
      close: async () => {},
    };
    const agentLastSeen = new Map<string, number>();
    let now = T0;
    const { c } = collector(fake as unknown as SshPoller, agentLastSeen, () => now, { AGENT_SSH_OVERLAP_MINUTES: '30' });
    const list = [memoryInstance('1', { ssh: { host: 'h1', port: 22 } }), memoryInstance('2', { ssh: { host: 'h2', port: 22 } })];
    // Before any agent: both hosts over SSH. vast:2 has an agent that was live before this process started: established.
    agentLastSeen.set('vast:2', now - 5_000);
    await c.collect(listed(list, now), list, now);
    expect(asked.pop()).toEqual(['vast:1']);
    // An agent enrols for vast:1 and streams: SSH goes on for the overlap, then stops.
    for (const minutes of [1, 15, 29]) {
      now = T0 + minutes * 60_000;
      agentLastSeen.set('vast:1', now - 5_000);
      agentLastSeen.set('vast:2', now - 5_000);
      await c.collect(listed(list, now), list, now);
      expect(asked.pop(), `${minutes} min`).toEqual(['vast:1']);
    }
    now = T0 + 32 * 60_000;
    agentLastSeen.set('vast:1', now - 5_000);
    agentLastSeen.set('vast:2', now - 5_000);
    expect(await c.collect(listed(list, now), list, now)).toEqual({ polled: 0, ok: 0, failed: 0 });
    // The agent falls silent and comes back: a new arrival, SSH again for the overlap.
    now = T0 + 40 * 60_000;
    await c.collect(listed(list, now), list, now);
    expect(asked.pop()).toEqual(['vast:1', 'vast:2']);
    now = T0 + 41 * 60_000;
    agentLastSeen.set('vast:1', now - 5_000);
    await c.collect(listed(list, now), list, now);
    expect(asked.pop()).toEqual(['vast:1', 'vast:2']);
  });
});
