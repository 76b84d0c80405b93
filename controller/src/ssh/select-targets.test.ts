// Target selection as a pure function: running, with an endpoint, no live agent.
import { describe, expect, it } from 'vitest';
import type { ProviderInstance } from '../domain/instance';
import { selectSshTargets } from './select-targets';

const NOW = Date.parse('2030-01-01T12:00:00Z');
const cfg = { agentSilentSec: 60, ssh: { user: 'root', port: 22 } };
const inst = (id: string, over: Partial<ProviderInstance> = {}): ProviderInstance => ({
  id,
  provider: 'vast',
  providerId: id.split(':')[1]!,
  name: id,
  state: 'running',
  rawState: 'running',
  gpuName: 'RTX 4090',
  numGpus: 1,
  pricePerHour: 0.4,
  stoppedPricePerHour: 0.01,
  createdAt: NOW - 3_600_000,
  ssh: { host: 'ssh4.vast.ai', port: 10600 },
  labels: {},
  providerUtil: null,
  ...over,
});

describe('selectSshTargets', () => {
  it('polls running instances with an endpoint whose agent is absent or silent', () => {
    const instances = [
      inst('vast:3'), // never had an agent
      inst('vast:1'), // agent silent for 61 s
      inst('vast:2'), // agent heard 59 s ago: it has better data
      inst('vast:4', { state: 'stopped' }),
      inst('vast:5', { state: 'unknown' }),
      inst('vast:6', { ssh: null }),
      inst('vast:7', { ssh: { host: '  ', port: 22 } }),
    ];
    const seen = new Map([
      ['vast:1', NOW - 61_000],
      ['vast:2', NOW - 59_000],
    ]);
    expect(selectSshTargets(instances, seen, NOW, cfg)).toEqual([
      { instanceId: 'vast:1', host: 'ssh4.vast.ai', port: 10600, user: 'root' },
      { instanceId: 'vast:3', host: 'ssh4.vast.ai', port: 10600, user: 'root' },
    ]);
  });

  it('stops polling a host as soon as its agent reports again', () => {
    const instances = [inst('manual:box', { provider: 'manual', ssh: { host: '192.0.2.7', port: 22 } })];
    const seen = new Map<string, number>();
    expect(selectSshTargets(instances, seen, NOW, cfg)).toHaveLength(1);
    seen.set('manual:box', NOW - 1_000);
    expect(selectSshTargets(instances, seen, NOW, cfg)).toEqual([]);
    expect(selectSshTargets(instances, seen, NOW + 61_000, cfg)).toHaveLength(1);
  });

  it("uses the provider's per-instance port and falls back to SSH_PORT for an endpoint without one", () => {
    const instances = [inst('gcp:z/a', { provider: 'gcp', ssh: { host: '203.0.113.9', port: 0 } }), inst('vast:9')];
    const out = selectSshTargets(instances, new Map(), NOW, { agentSilentSec: 60, ssh: { user: 'ubuntu', port: 2222 } });
    expect(out.map((t) => [t.instanceId, t.port, t.user])).toEqual([
      ['gcp:z/a', 2222, 'ubuntu'],
      ['vast:9', 10600, 'ubuntu'],
    ]);
  });
});
