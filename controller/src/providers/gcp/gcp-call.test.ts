import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../domain/errors';
import { silentLogger } from '../../log';
import { createRedactor } from '../http/redact';
import { describeGcpError, gcpCall } from './gcp-call';

const TOKEN = 'ya29.secret-token-value';
const redact = createRedactor([TOKEN]);
const ctx = { policy: { maxRetries: 2, baseDelayMs: 1, factor: 1, maxDelayMs: 1, jitter: 0 }, logger: silentLogger, redact, attemptDeadlineMs: 2_000 };

/** Shaped like a v6 GaxiosError: status, the JSON body as message, and a config holding the Authorization header. */
function gaxiosError(status: number, body: unknown): Error {
  return Object.assign(new Error(JSON.stringify(body)), { status, code: String(status), config: { headers: { Authorization: `Bearer ${TOKEN}` } } });
}

describe('describeGcpError', () => {
  it('reads status and the Google error message', () => {
    const f = describeGcpError(gaxiosError(404, { error: { code: 404, message: "The resource 'x' was not found" } }), redact);
    expect(f).toMatchObject({ status: 404, message: "The resource 'x' was not found", network: false });
  });

  it('classifies transport failures', () => {
    expect(describeGcpError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), redact)).toMatchObject({
      status: null,
      notSent: true,
      network: true,
    });
    expect(describeGcpError(new Error('The operation was aborted.'), redact)).toMatchObject({ timedOut: true, notSent: false, network: true });
    expect(describeGcpError(new TypeError('Cannot read properties of null'), redact)).toMatchObject({ network: false, timedOut: false });
  });

  it('never returns the token, even when a message contains it', () => {
    expect(describeGcpError(new Error(`bad token ${TOKEN}`), redact).message).not.toContain(TOKEN);
  });
});

describe('gcpCall', () => {
  const failing = (errors: unknown[]) => {
    let calls = 0;
    return {
      fn: async () => {
        const e = errors[calls++];
        if (e === undefined) return 'ok';
        throw e;
      },
      calls: () => calls,
    };
  };

  it('retries 429 and 5xx on idempotent calls', async () => {
    const f = failing([gaxiosError(429, 'Too many'), gaxiosError(503, { error: { message: 'unavailable' } })]);
    await expect(gcpCall(ctx, 'list', 'list', true, f.fn)).resolves.toBe('ok');
    expect(f.calls()).toBe(3);
  });

  it('a non-idempotent call is sent once: a 5xx or timeout is outcome unknown; a 429 is safe to resend', async () => {
    const f = failing([gaxiosError(500, 'boom')]);
    await expect(gcpCall(ctx, 'pause', 'stop', false, f.fn)).rejects.toMatchObject({ outcomeUnknown: true, status: 500, retryable: true, safeToResend: false });
    expect(f.calls()).toBe(1);
    const t = failing([new Error('The operation was aborted.')]);
    await expect(gcpCall(ctx, 'delete', 'delete', false, t.fn)).rejects.toMatchObject({ outcomeUnknown: true, status: null });
    const r = failing([gaxiosError(429, 'slow down')]);
    await expect(gcpCall(ctx, 'pause', 'stop', false, r.fn)).rejects.toMatchObject({ outcomeUnknown: false, status: 429, safeToResend: true });
    expect(r.calls()).toBe(1);
  });

  it('4xx are final and not retryable; the raw error (with its Authorization header) is not attached', async () => {
    const f = failing([gaxiosError(403, { error: { message: 'Required permission compute.instances.stop' } })]);
    const err = (await gcpCall(ctx, 'pause', 'stop', false, f.fn).catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ status: 403, retryable: false, outcomeUnknown: false });
    expect(err.cause).toBeUndefined();
    expect(`${err.message}${err.stack}${JSON.stringify(err)}`).not.toContain(TOKEN);
    expect(f.calls()).toBe(1);
  });

  it('a call that never settles is cut by the backstop', async () => {
    const err = await gcpCall(
      { ...ctx, attemptDeadlineMs: 50, policy: { ...ctx.policy, maxRetries: 0 } },
      'get',
      'get',
      true,
      () => new Promise(() => {}),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ op: 'get', retryable: true });
  });
});
