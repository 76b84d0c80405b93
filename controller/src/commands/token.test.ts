import { describe, expect, it } from 'vitest';
import { parseDuration } from './token';

describe('token --expires-in', () => {
  it('reads s, m, h and d', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('3600s')).toBe(3_600_000);
  });
  it('refuses anything else', () => {
    for (const bad of ['', '30', 'd', '-1d', '0s', '1w', '1e3s', '99999d']) expect(parseDuration(bad), bad).toBeNull();
  });
});
