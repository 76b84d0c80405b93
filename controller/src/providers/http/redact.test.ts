import { describe, expect, it } from 'vitest';
import { bodySnippet, createRedactor } from './redact';

describe('createRedactor', () => {
  const secret = 'sk+live/key=abc 123';
  const redact = createRedactor([secret, null, undefined, 'ab']);

  it('removes the secret in raw, URL-encoded and form-encoded spellings', () => {
    const text = `raw ${secret} url ${encodeURIComponent(secret)} form ${new URLSearchParams({ k: secret }).toString()}`;
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(encodeURIComponent(secret));
    expect(out).not.toContain('abc+123');
  });

  it('hides values of secret query and form keys even when the value is not registered', () => {
    expect(redact('GET https://console.vast.ai/api/v0/instances/?owner=me&api_key=unknownvalue123')).toBe(
      'GET https://console.vast.ai/api/v0/instances/?owner=me&api_key=***',
    );
    expect(redact('api_key=aaa&api_token=bbb&server=1')).toBe('api_key=***&api_token=***&server=1');
    expect(redact('{"api_token": "zzz", "name": "x"}')).toBe('{"api_token": "***", "name": "x"}');
    expect(redact('Authorization: Bearer eyJhbGciOi.x-y_z')).toBe('Authorization: Bearer ***');
  });

  it('ignores secrets too short to be safe to replace, and keeps normal text', () => {
    expect(redact('about abc')).toBe('about abc');
    expect(redact('monkey=banana')).toBe('monkey=banana');
  });
});

describe('bodySnippet', () => {
  it('redacts before cutting, so no half of a secret survives the cut', () => {
    const secret = 'S'.repeat(30);
    const body = `${'x'.repeat(190)}${secret}`;
    const out = bodySnippet(body, createRedactor([secret]), 200);
    expect(out).not.toContain('SSSS');
    expect(out.length).toBeLessThanOrEqual(203);
  });

  it('flattens whitespace', () => {
    expect(bodySnippet('a\n  b\tc', createRedactor())).toBe('a b c');
  });
});
