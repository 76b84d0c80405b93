// Each enrolment check on its own: a claim passes only when every one holds, and each failure names its check.
import { describe, expect, it } from 'vitest';
import type { InstanceRecord } from '../store';
import { type ClaimFacts, checkClaim } from './claim-check';
import { normalizeAddress } from '../http-shared/client-address';

const T = 1_750_000_000_000;
const record = {
  id: 'vast:1',
  provider: 'vast',
  providerId: '1',
  name: 'a',
  state: 'running',
  rawState: 'running',
  gpuName: null,
  numGpus: 1,
  pricePerHour: 1,
  stoppedPricePerHour: null,
  createdAt: null,
  ssh: null,
  labels: {},
  providerUtil: null,
  publicAddress: '192.0.2.1',
  firstSeen: T,
  lastInventoryAt: T,
  runningSince: T,
  metricSource: 'none',
  lastSampleAt: null,
  memTotalMiB: null,
  agentFacts: null,
} as InstanceRecord;
const ok: ClaimFacts = {
  instanceId: 'vast:1',
  record,
  agentConnected: false,
  contested: false,
  lastAgentSampleAt: null,
  recentAgentMs: 600_000,
  remoteAddress: '192.0.2.1',
  grantedAt: null,
  now: T,
  grantCooldownMs: 60_000,
  sameAddress: [],
};

describe('checkClaim', () => {
  it('grants a listed running instance claimed from its public address', () => {
    expect(checkClaim(ok)).toEqual({ ok: true });
    expect(checkClaim({ ...ok, grantedAt: T - 60_000 })).toEqual({ ok: true });
    expect(checkClaim({ ...ok, lastAgentSampleAt: T - 600_000 })).toEqual({ ok: true });
  });

  it.each<[string, Partial<ClaimFacts>, RegExp]>([
    ['an unknown instance', { record: null }, /no provider inventory lists/],
    ['a placeholder never listed', { record: { ...record, lastInventoryAt: null } }, /no provider inventory lists/],
    ['a manual host', { record: { ...record, provider: 'manual' } }, /no provider inventory lists/],
    ['a stopped instance', { record: { ...record, state: 'stopped', rawState: 'exited' } }, /lists it as stopped \(exited\), not running/],
    ['an instance with a live agent', { agentConnected: true }, /already connected/],
    ['an instance two agents compete for', { contested: true }, /two agents are competing/],
    ['an instance whose agent reported a minute ago (a reconnect gap)', { lastAgentSampleAt: T - 60_000 }, /reported 60 s ago/],
    ['a second claim right after a grant', { grantedAt: T - 5_000 }, /granted for it 5 s ago/],
    ['an instance without a listed address', { record: { ...record, publicAddress: null } }, /no public address/],
    ['a connection of unknown origin', { remoteAddress: null }, /no known source address/],
    ['a claim from another address', { remoteAddress: '198.51.100.1' }, /came from 198\.51\.100\.1, its provider lists 192\.0\.2\.1/],
    // Several instances behind one address (a Vast.ai machine): any of them could be the claimant.
    [
      'a claim from an address shared with a neighbour',
      { sameAddress: ['vast:2'] },
      /192\.0\.2\.1 is shared with other listed instances \(vast:2\): an address proves nothing/,
    ],
  ])('refuses %s', (_what, change, reason) => {
    const v = checkClaim({ ...ok, ...change });
    expect(v.ok).toBe(false);
    expect(v.ok ? '' : v.reason).toMatch(reason);
  });

  it('tells a claim for an instance that has a voice (a contest) from other refusals', () => {
    const kind = (f: Partial<ClaimFacts>) => {
      const v = checkClaim({ ...ok, ...f });
      return v.ok ? 'ok' : v.kind;
    };
    expect(kind({ agentConnected: true })).toBe('has-agent');
    expect(kind({ contested: true })).toBe('has-agent');
    expect(kind({ lastAgentSampleAt: T - 60_000 })).toBe('has-agent');
    expect(kind({ remoteAddress: '198.51.100.1' })).toBe('refused');
    expect(kind({ sameAddress: ['vast:2'] })).toBe('refused');
  });

  it('compares IPv4-mapped IPv6 peers as IPv4', () => {
    expect(normalizeAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeAddress('2001:DB8::1')).toBe('2001:db8::1');
  });
});
