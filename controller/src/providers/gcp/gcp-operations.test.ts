import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log';
import { createRedactor } from '../http/redact';
import { operationFailure, operationOf, waitForOperation } from './gcp-operations';
import type { ZoneOperationsApi } from './gcp-sdk';

const ctx = {
  policy: { maxRetries: 1, baseDelayMs: 1, factor: 1, maxDelayMs: 1, jitter: 0 },
  logger: silentLogger,
  redact: createRedactor(),
  attemptDeadlineMs: 2_000,
};
const ref = { project: 'p', zone: 'z', name: 'operation-1' };

function opsReturning(...answers: Record<string, unknown>[]): ZoneOperationsApi & { calls: number } {
  const api = {
    calls: 0,
    initialize: async () => undefined,
    close: async () => undefined,
    wait: async () => [answers[Math.min(api.calls++, answers.length - 1)]],
  };
  return api;
}

describe('operationOf', () => {
  it('reads [{latestResponse}] (v6 stop/delete) and a bare operation', () => {
    expect(operationOf([{ latestResponse: { name: 'op', status: 'RUNNING' }, done: false }])).toEqual({ name: 'op', status: 'RUNNING' });
    expect(operationOf([{ name: 'op', status: 'DONE' }])).toEqual({ name: 'op', status: 'DONE' });
    expect(operationOf([])).toBeNull();
    expect(operationOf([{ done: false }])).toBeNull();
  });
});

describe('operationFailure', () => {
  it('reads error.errors[] and httpErrorStatusCode', () => {
    expect(operationFailure({ status: 'DONE' })).toBeNull();
    expect(operationFailure({ status: 'DONE', error: { errors: [{ code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: 'no capacity' }] } })).toBe(
      'ZONE_RESOURCE_POOL_EXHAUSTED: no capacity',
    );
    expect(operationFailure({ status: 'DONE', httpErrorStatusCode: 409, httpErrorMessage: 'CONFLICT' })).toBe('HTTP 409 CONFLICT');
  });
});

describe('waitForOperation', () => {
  it('waits in a loop until DONE', async () => {
    const ops = opsReturning({ name: 'operation-1', status: 'RUNNING' }, { name: 'operation-1', status: 'RUNNING' }, { name: 'operation-1', status: 'DONE' });
    await waitForOperation(ops, ctx, 'pause', { name: 'operation-1', status: 'PENDING' }, ref, 10_000);
    expect(ops.calls).toBe(3);
  });

  it('does not call wait for an operation that is already DONE', async () => {
    const ops = opsReturning();
    await waitForOperation(ops, ctx, 'pause', { name: 'operation-1', status: 'DONE' }, ref, 10_000);
    expect(ops.calls).toBe(0);
  });

  it('a DONE operation with errors is a non-retryable ProviderError; RESOURCE_NOT_FOUND on delete is success', async () => {
    const failed = { name: 'operation-1', status: 'DONE', httpErrorStatusCode: 400, error: { errors: [{ code: 'UNSUPPORTED_OPERATION', message: 'no' }] } };
    await expect(waitForOperation(opsReturning(failed), ctx, 'pause', { name: 'operation-1', status: 'RUNNING' }, ref, 10_000)).rejects.toMatchObject({
      op: 'pause',
      retryable: false,
      status: 400,
      message: expect.stringContaining('UNSUPPORTED_OPERATION'),
    });
    const gone = { name: 'operation-1', status: 'DONE', error: { errors: [{ code: 'RESOURCE_NOT_FOUND', message: 'gone' }] } };
    await expect(waitForOperation(opsReturning(gone), ctx, 'delete', { name: 'operation-1', status: 'RUNNING' }, ref, 10_000)).resolves.toMatchObject({
      status: 'DONE',
    });
    await expect(waitForOperation(opsReturning(gone), ctx, 'pause', { name: 'operation-1', status: 'RUNNING' }, ref, 10_000)).rejects.toThrow(
      /RESOURCE_NOT_FOUND/,
    );
  });

  it('an operation still not done at the deadline is outcome unknown', async () => {
    const ops = opsReturning({ name: 'operation-1', status: 'RUNNING' });
    await expect(waitForOperation(ops, ctx, 'resume', { name: 'operation-1', status: 'RUNNING' }, ref, 30)).rejects.toMatchObject({
      outcomeUnknown: true,
      retryable: true,
    });
  });
});
