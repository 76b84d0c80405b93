// doctor's lines: the format (ok / warn / FAIL with a fix) and the scrubbing of every secret of the configuration.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config';
import { doctorSecrets, fail, formatLine, ok, scrub, warn } from './doctor-line';

describe('doctor lines', () => {
  it('prints ok without a fix and the others with one', () => {
    expect(formatLine(ok('config', 'DATA_DIR ./data'))).toBe('ok   config: DATA_DIR ./data');
    expect(formatLine(fail('Vast.ai', 'the API key was refused (401)', 'check VAST_API_KEY'))).toBe(
      'FAIL Vast.ai: the API key was refused (401); fix: check VAST_API_KEY',
    );
    expect(formatLine(warn('agents', '1 never seen', 'install it'))).toBe('warn agents: 1 never seen; fix: install it');
  });

  it('scrubs API keys, the admin token, the webhook path and database passwords', () => {
    const config = parseConfig({
      ADMIN_TOKEN: 'admin-token-0123456789',
      VAST_API_KEY: 'vast-key-abcdef',
      WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B2/sekrit',
      DATABASE_URL: 'postgres://u:pa%40ss@db/co',
    });
    const secrets = doctorSecrets(config);
    const text = 'admin-token-0123456789 vast-key-abcdef /services/T1/B2/sekrit pa%40ss pa@ss';
    expect(scrub(text, secrets)).toBe('*** *** *** *** ***');
    expect(doctorSecrets(parseConfig({}))).toEqual([]);
  });
});
