import { describe, expect, it } from 'vitest';
import { storeBackends, useTempStore } from '../../../test/helpers/temp-store';
import { openStore } from './store';
import { hashToken } from './tokens-repo';

describe.each(storeBackends())('token expiry and re-checks (%s)', (backend) => {
  const t = useTempStore(backend);

  it('refuses an expired token and re-checks a live one by its hash', () => {
    const now = Date.now();
    const token = t.store.createToken('manual:a', now, now + 60_000);
    expect(t.store.tokenGrant(token, now)).toEqual({ instanceId: 'manual:a', hash: hashToken(token), expiresAt: now + 60_000 });
    expect(t.store.tokenGrant(token, now + 60_000)).toBeNull();
    expect(t.store.instanceForToken(token, now + 59_999)).toBe('manual:a');
    expect(t.store.tokenGrantByHash(hashToken(token), now)).not.toBeNull();
    expect(() => t.store.createToken('manual:a', now, now - 1)).toThrow(/future/);
    const forever = t.store.createToken('manual:b', now);
    expect(t.store.tokenGrant(forever, now + 10 * 365 * 86_400_000)?.expiresAt).toBeNull();
  });

  it('changes its token epoch on a revoke here and on a commit by another process', () => {
    const now = Date.now();
    const token = t.store.createToken('manual:c', now);
    const e0 = t.store.tokenEpoch();
    expect(t.store.tokenEpoch()).toBe(e0);
    // A second connection to the same file, as `cost-optimizer token revoke` opens.
    const other = openStore(t.location);
    try {
      expect(other.revokeTokens('manual:c', now)).toBe(1);
    } finally {
      other.close();
    }
    const e1 = t.store.tokenEpoch();
    expect(e1).not.toBe(e0);
    expect(t.store.tokenGrantByHash(hashToken(token), now)).toBeNull();
    t.store.revokeTokens('manual:none', now);
    expect(t.store.tokenEpoch()).not.toBe(e1);
  });
});
