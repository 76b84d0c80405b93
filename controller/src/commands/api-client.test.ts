// The CLI never sends the admin credential over plain http:// to another host unless --insecure.
import { describe, expect, it } from 'vitest';
import { allowInsecureAdmin, ApiError, getJson, plaintextRefusal } from './api-client';

describe('the admin credential over plain HTTP', () => {
  it('goes to loopback only, unless --insecure', () => {
    for (const base of ['http://127.0.0.1:8080', 'http://127.3.2.1', 'http://localhost:8080', 'http://[::1]:8080', 'https://ctl.example.com']) {
      expect(plaintextRefusal(base, 'tok', false), base).toBeNull();
    }
    for (const base of ['http://ctl.example.com:8080', 'http://127.rebind.attacker.example:8080', 'http://192.0.2.1']) {
      expect(plaintextRefusal(base, 'tok', false), base).toMatch(/refusing to send the admin credential over plain http:\/\/ .*--insecure/);
      expect(plaintextRefusal(base, 'tok', true), base).toBeNull();
    }
    // Nothing to protect without a credential.
    expect(plaintextRefusal('http://ctl.example.com', null, false)).toBeNull();
  });

  it('refuses before connecting', async () => {
    allowInsecureAdmin(false);
    // 192.0.2.1 (TEST-NET-1) would hang or fail to connect: the refusal comes first, naming --insecure.
    const err = await getJson('http://192.0.2.1:9', '/api/status', 'secret-token').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as Error).message).toMatch(/--insecure/);
    expect((err as Error).message).not.toContain('secret-token');
  });
});
