import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './loopback';

describe('isLoopbackHost', () => {
  it('accepts the literal loopback addresses and localhost only', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '127.255.255.255', '::1', '[::1]', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(h), h).toBe(true);
  });

  it('refuses names that only start like loopback', () => {
    for (const h of [
      '127.rebind.attacker.example',
      '127.0.0.1.attacker.example',
      '127.0.0.1@attacker.example',
      '127.0.0.256',
      '127.0.0',
      'localhost.attacker.example',
      '::2',
      '',
    ]) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });
});
