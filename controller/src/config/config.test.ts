import { describe, expect, it } from 'vitest';
import { ConfigError } from '../domain/errors';
import { parseConfig, redactConfig, secretsOf } from './config';

describe('parseConfig', () => {
  it('gives the documented defaults', () => {
    const c = parseConfig({});
    expect(c.pauseThresholdGpu).toBe(10);
    expect(c.pauseWindowMinutes).toBe(30);
    expect(c.minSamples).toBe(5);
    expect(c.deleteThresholdHours).toBe(24);
    expect(c.deleteWarningHours).toBe(1);
    expect(c.minInstanceAgeHours).toBe(1);
    expect(c.checkIntervalSec).toBe(60);
    expect(c.dryRun).toBe(false);
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe('./data');
    expect(c.vast).toBeNull();
    expect(c.ssh).toMatchObject({ user: 'root', port: 22 });
    expect(c.interactiveActivity).toBe(true);
  });

  it('INTERACTIVE_ACTIVITY turns the people-at-the-keyboard rule off', () => {
    expect(parseConfig({ INTERACTIVE_ACTIVITY: 'false' }).interactiveActivity).toBe(false);
    expect(parseConfig({ INTERACTIVE_ACTIVITY: 'true' }).interactiveActivity).toBe(true);
  });

  it('accepts decimals for compressed timings', () => {
    const c = parseConfig({ PAUSE_WINDOW_MINUTES: '0.1', CHECK_INTERVAL: '0.5', DELETE_THRESHOLD_HOURS: '0.01', DELETE_WARNING_HOURS: '0.001' });
    expect(c.pauseWindowMinutes).toBe(0.1);
    expect(c.checkIntervalSec).toBe(0.5);
    // The threshold alone: the warning defaults to half of it instead of stopping start-up.
    expect(parseConfig({ DELETE_THRESHOLD_HOURS: '0.5' }).deleteWarningHours).toBe(0.25);
    expect(parseConfig({}).deleteWarningHours).toBe(1);
    expect(() => parseConfig({ DELETE_THRESHOLD_HOURS: '0.5', DELETE_WARNING_HOURS: '1' })).toThrow(/^DELETE_WARNING_HOURS: must be smaller/);
    expect(parseConfig({ PAUSE_THRESHOLD_GPU: '0' }).pauseThresholdGpu).toBe(0);
  });

  it.each([
    ['PAUSE_THRESHOLD_GPU', 'ten'],
    ['PAUSE_THRESHOLD_GPU', '-1'],
    ['PAUSE_THRESHOLD_GPU', '101'],
    ['MIN_SAMPLES', '2.5'],
    ['PORT', '70000'],
    ['CHECK_INTERVAL', '0'],
    ['DRY_RUN', 'maybe'],
    ['INTERACTIVE_ACTIVITY', 'sometimes'],
    ['WEBHOOK_URL', 'not a url'],
    ['PAUSE_WINDOW_MINUTES', 'NaN'],
    ['PAUSE_WINDOW_MINUTES', 'Infinity'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(`^${name}:`));
  });

  it('reads TLS_CERT_FILE / TLS_KEY_FILE as a pair and ALLOW_PLAINTEXT', () => {
    expect(parseConfig({}).tls).toBeNull();
    expect(parseConfig({}).allowPlaintext).toBe(false);
    expect(parseConfig({ TLS_CERT_FILE: '/c.pem', TLS_KEY_FILE: '/k.pem' }).tls).toEqual({ certFile: '/c.pem', keyFile: '/k.pem' });
    expect(() => parseConfig({ TLS_CERT_FILE: '/c.pem' })).toThrow(/TLS_KEY_FILE.*set both or neither/);
    expect(() => parseConfig({ TLS_KEY_FILE: '/k.pem' })).toThrow(/^TLS_CERT_FILE/);
    expect(parseConfig({ ALLOW_PLAINTEXT: 'true' }).allowPlaintext).toBe(true);
    expect(() => parseConfig({ ALLOW_PLAINTEXT: 'true', TLS_CERT_FILE: '/c', TLS_KEY_FILE: '/k' })).toThrow(/ALLOW_PLAINTEXT/);
    expect(() => parseConfig({ ALLOW_PLAINTEXT: 'sometimes' })).toThrow(/ALLOW_PLAINTEXT/);
  });

  it('accepts a non-loopback listen address without ADMIN_TOKEN (one is generated at start), but never a short one', () => {
    expect(parseConfig({ HOST: '0.0.0.0' }).adminToken).toBeNull();
    expect(() => parseConfig({ HOST: '0.0.0.0', ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN: must be at least 16/);
    expect(parseConfig({ HOST: '0.0.0.0', ADMIN_TOKEN: 'a'.repeat(32) }).host).toBe('0.0.0.0');
  });

  it('picks TensorDock v0 with key + token and v2 with the token alone', () => {
    expect(parseConfig({ TENSORDOCK_API_TOKEN: 't' }).tensordock).toMatchObject({ version: 'v2', apiUrl: 'https://dashboard.tensordock.com/api/v2' });
    expect(parseConfig({ TENSORDOCK_API_KEY: 'k', TENSORDOCK_API_TOKEN: 't' }).tensordock).toMatchObject({
      version: 'v0',
      apiUrl: 'https://marketplace.tensordock.com/api/v0',
    });
    expect(() => parseConfig({ TENSORDOCK_API_KEY: 'k' })).toThrow(/^TENSORDOCK_API_TOKEN:/);
  });

  it('rejects a GCP setting without a project', () => {
    expect(() => parseConfig({ GCP_ZONE: 'us-central1-a' })).toThrow(/^GCP_PROJECT_ID:/);
  });

  it('parses the protected list and GCP price overrides', () => {
    const c = parseConfig({ PROTECTED_INSTANCES: 'vast:1, trainer ,', GCP_PROJECT_ID: 'p', GCP_PRICES: 'a2-highgpu-1g=3.5,nvidia-l4=0.7' });
    expect(c.protectedInstances).toEqual(['vast:1', 'trainer']);
    expect(c.gcp?.prices).toEqual({ 'a2-highgpu-1g': 3.5, 'nvidia-l4': 0.7 });
  });

  it('redacts every secret', () => {
    const c = parseConfig({
      ADMIN_TOKEN: 'admin-secret-0123456789',
      VAST_API_KEY: 'vast-secret',
      TENSORDOCK_API_KEY: 'td-key-secret',
      TENSORDOCK_API_TOKEN: 'td-token-secret',
      GCP_PROJECT_ID: 'p',
      GCP_ACCESS_TOKEN: 'gcp-secret',
      WEBHOOK_URL: 'https://hooks.example.com/services/T000/B000/webhook-secret',
    });
    const text = JSON.stringify(redactConfig(c));
    for (const s of ['admin-secret', 'vast-secret', 'td-key-secret', 'td-token-secret', 'gcp-secret', 'webhook-secret']) expect(text).not.toContain(s);
  });
});

describe('pause warning and digest settings', () => {
  it('PAUSE_WARNING_MINUTES defaults to 5, 0 turns it off, bad values stop start-up; DIGEST_HOUR_UTC is off unless set', () => {
    expect(parseConfig({}).pauseWarningMinutes).toBe(5);
    expect(parseConfig({ PAUSE_WARNING_MINUTES: '0' }).pauseWarningMinutes).toBe(0);
    expect(() => parseConfig({ PAUSE_WARNING_MINUTES: 'soon' })).toThrow(/PAUSE_WARNING_MINUTES/);
    expect(() => parseConfig({ PAUSE_WARNING_MINUTES: '-1' })).toThrow(/PAUSE_WARNING_MINUTES/);
    expect(parseConfig({}).digestHourUtc).toBeNull();
    expect(parseConfig({ DIGEST_HOUR_UTC: '8' }).digestHourUtc).toBe(8);
    expect(() => parseConfig({ DIGEST_HOUR_UTC: '24' })).toThrow(/DIGEST_HOUR_UTC/);
  });
});

describe('DATABASE_URL', () => {
  it('keeps its passwords (user info or a password parameter, as written and decoded) out of logs and the status API', () => {
    const c = parseConfig({ DATABASE_URL: 'postgres://co:p%40ss-w0rd@db.example/co?sslmode=require&password=second-s3cret' });
    const secrets = secretsOf(c);
    expect(secrets).toEqual(expect.arrayContaining(['p%40ss-w0rd', 'p@ss-w0rd', 'second-s3cret']));
    const shown = JSON.stringify(redactConfig(c));
    for (const s of ['p%40ss-w0rd', 'p@ss-w0rd', 'second-s3cret']) expect(shown).not.toContain(s);
    expect(shown).toContain('postgres://co:***@db.example/co?sslmode=require&password=***');
  });

  it('refuses what is not a postgres:// URL and defaults the replica to the host name', () => {
    expect(() => parseConfig({ DATABASE_URL: 'mysql://x@y/z' })).toThrow(/DATABASE_URL/);
    expect(parseConfig({}).databaseUrl).toBeNull();
    expect(parseConfig({}).replicaId).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    expect(() => parseConfig({ REPLICA_ID: 'a b' })).toThrow(/REPLICA_ID/);
    expect(parseConfig({}).leaderLeaseSec).toBe(15);
  });
});
