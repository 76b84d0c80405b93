import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../controller/src/log';
import { ALL_TRACES, forgotten } from '../traces/workloads';
import { type Fleet, fleetLayout, GPU_CATALOGUE, sharedTrace, startFleet } from './fleet';

const EPOCH = Date.UTC(2025, 0, 6);
let fleet: Fleet | null = null;
afterEach(async () => {
  await fleet?.close();
  fleet = null;
});

describe('simulated fleet', () => {
  it('lays out every workload on every provider, deterministically', () => {
    const n = ALL_TRACES.length;
    const a = fleetLayout({ count: 3 * n, traces: ALL_TRACES, seed: 5 });
    const b = fleetLayout({ count: 3 * n, traces: ALL_TRACES, seed: 5 });
    expect(a.map((s) => [s.key, s.provider, s.trace.name, s.model.gpu])).toEqual(b.map((s) => [s.key, s.provider, s.trace.name, s.model.gpu]));
    // every workload on every provider, except one tied to a provider (forgotten TensorDock v2 instances): only there
    for (const p of ['vast', 'tensordock', 'gcp']) {
      const expected = ALL_TRACES.map((f) => f())
        .filter((t) => t.provider === undefined || t.provider === p)
        .map((t) => t.name);
      expect(new Set(a.filter((s) => s.provider === p).map((s) => s.trace.name))).toEqual(new Set(expected));
    }
    expect(a.filter((s) => s.trace.name === 'forgotten-tensordock-v2').every((s) => s.provider === 'tensordock')).toBe(true);
    const rotated = fleetLayout({ count: 9, traces: ALL_TRACES, seed: 5, rotate: true });
    expect(new Set(rotated.map((s) => s.provider)).size).toBe(3);
  });

  it('shows each instance through the real provider clients, and sees every pause or delete request arrive, duplicates included', async () => {
    const specs = (['vast', 'tensordock', 'gcp'] as const).map((provider, k) => ({
      key: `w${k}`,
      provider,
      model: GPU_CATALOGUE[provider][0]!,
      trace: sharedTrace(forgotten, 90 + k),
    }));
    fleet = await startFleet(specs, {
      epochMs: EPOCH,
      now: () => EPOCH,
      logger: silentLogger,
      timeoutMs: 2000,
      retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, factor: 1, jitter: 0 },
    });
    const providers = await fleet.makeProviders();
    for (const inst of fleet.instances) {
      const p = providers.get(inst.provider)!;
      const listed = (await p.list()).find((i) => i.id === inst.id)!;
      expect(listed.state).toBe('running');
      expect(listed.pricePerHour).toBeGreaterThan(0);
      expect(fleet.truth(inst)).toBe('running');
      await p.pause(inst.providerId);
      expect(fleet.truth(inst)).toBe('stopped');
      await p.pause(inst.providerId).catch(() => undefined);
      await p.delete(inst.providerId);
      expect(fleet.truth(inst)).toBe('gone');
    }
    await Promise.all([...providers.values()].map((p) => ('close' in p ? (p as { close(): Promise<void> }).close() : undefined)));
    for (const inst of fleet.instances) {
      const seen = fleet.wire.filter((w) => w.providerId === inst.providerId).map((w) => `${w.op}:${w.before}`);
      expect(seen, inst.provider).toEqual(['pause:running', 'pause:stopped', 'delete:stopped']);
    }
  }, 60_000);
});
