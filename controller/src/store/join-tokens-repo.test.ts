// Fleet join tokens on a real SQLite file and a real PostgreSQL database: only the hash is stored, expiry and revocation end them, and a granted
// enrolment replaces the instance's earlier agent tokens; the instance's public address survives a round trip.
import { describe, expect, it } from 'vitest';
import { storeBackends, useTempStore } from '../../../test/helpers/temp-store';
import type { ProviderInstance } from '../domain/instance';

const T = 1_750_000_000_000;
describe.each(storeBackends())('join tokens (%s)', (backend) => {
  const t = useTempStore(backend);

  it('are valid until revoked, keep only their hash, and refuse other shapes', () => {
    const { id, token } = t.store.createJoinToken(T, null);
    expect(token).toMatch(/^coj_[A-Za-z0-9_-]{43}$/);
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(t.store.joinTokenId(token, T + 1)).toBe(id);
    const rows = JSON.stringify(t.store.db.prepare('SELECT * FROM join_tokens').all());
    expect(rows).not.toContain(token.slice(4));
    expect(t.store.joinTokenId(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), T)).toBeNull();
    expect(t.store.joinTokenId('co_' + token.slice(4), T)).toBeNull();
    expect(t.store.revokeJoinToken(id, T + 2)).toBe('revoked');
    expect(t.store.revokeJoinToken(id, T + 3)).toBe('already');
    expect(t.store.revokeJoinToken('0123456789ab', T + 3)).toBe('unknown');
    expect(t.store.joinTokenId(token, T + 4)).toBeNull();
    expect(t.store.listJoinTokens()).toEqual([{ id, createdAt: T, expiresAt: null, revokedAt: T + 2 }]);
  });

  it('expire at their expiry time', () => {
    const { id, token } = t.store.createJoinToken(T, T + 1000);
    expect(t.store.joinTokenId(token, T + 999)).toBe(id);
    expect(t.store.joinTokenId(token, T + 1000)).toBeNull();
  });

  it("a granted enrolment revokes the instance's earlier agent tokens", () => {
    const handMade = t.store.createToken('vast:5', T);
    const granted = t.store.grantEnrolment('vast:5', T + 1);
    expect(t.store.instanceForToken(handMade)).toBeNull();
    expect(t.store.instanceForToken(granted)).toBe('vast:5');
  });

  it('stores the public address the provider lists, and its changes', () => {
    const inst: ProviderInstance = {
      id: 'vast:9',
      provider: 'vast',
      providerId: '9',
      name: 'n',
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
      publicAddress: '192.0.2.9',
    };
    t.store.upsertInventory('vast', [inst], T);
    expect(t.store.getInstance('vast:9')?.publicAddress).toBe('192.0.2.9');
    t.store.upsertInventory('vast', [{ ...inst, publicAddress: '192.0.2.10' }], T + 1);
    expect(t.store.getInstance('vast:9')?.publicAddress).toBe('192.0.2.10');
    t.store.upsertInventory('vast', [{ ...inst, publicAddress: null }], T + 2);
    expect(t.store.getInstance('vast:9')?.publicAddress).toBeNull();
  });
});
