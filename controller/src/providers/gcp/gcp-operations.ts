// Waits for a zonal Compute Engine operation: `wait` in a loop until DONE, then failed operations become ProviderErrors.
//
// In v6 stop/delete return `[{latestResponse, ...}]` with no `.promise()`; ZoneOperationsClient.wait returns after
// ~2 minutes even when the operation is not done, and a failed operation does not throw: its `error.errors[]` says
// so (docs/providers.md).
import { ProviderError, type ProviderOp } from '../../domain/errors';
import { isRecord } from '../parse-helpers';
import { type GcpCallContext, gcpCall } from './gcp-call';
import type { ZoneOperationsApi } from './gcp-sdk';

export interface OperationRef {
  project: string;
  zone: string;
  name: string;
}

/** The operation object a stop/start/delete call answered with (`[{latestResponse}]`), or the bare operation. */
export function operationOf(result: unknown[]): Record<string, unknown> | null {
  const first = result[0];
  if (!isRecord(first)) return null;
  if (isRecord(first['latestResponse'])) return first['latestResponse'];
  return typeof first['name'] === 'string' && 'status' in first ? first : null;
}

/** The error of a DONE operation, as text, or null when it succeeded. */
export function operationFailure(op: Record<string, unknown>): string | null {
  const err = op['error'];
  const errors = isRecord(err) && Array.isArray(err['errors']) ? err['errors'] : [];
  const parts = errors.filter(isRecord).map((e) => [e['code'], e['message']].filter((x) => typeof x === 'string' && x !== '').join(': '));
  if (parts.length > 0) return parts.join('; ');
  const httpStatus = op['httpErrorStatusCode'];
  if (typeof httpStatus === 'number' && httpStatus >= 400)
    return `HTTP ${httpStatus} ${typeof op['httpErrorMessage'] === 'string' ? op['httpErrorMessage'] : ''}`.trim();
  return null;
}

/** The first error code of a DONE operation (e.g. RESOURCE_NOT_FOUND), or ''. */
export function operationErrorCode(op: Record<string, unknown>): string {
  const err = op['error'];
  const first = isRecord(err) && Array.isArray(err['errors']) ? err['errors'].find(isRecord) : undefined;
  return first && typeof first['code'] === 'string' ? first['code'] : '';
}

/**
 * Resolves with the DONE operation; throws a non-retryable ProviderError when it failed, and a retryable one with
 * outcomeUnknown when it is still not done after `deadlineMs` (the provider accepted the call; its end is unknown).
 */
export async function waitForOperation(
  ops: ZoneOperationsApi,
  ctx: GcpCallContext,
  opKind: ProviderOp,
  initial: Record<string, unknown>,
  ref: OperationRef,
  deadlineMs: number,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const until = Date.now() + deadlineMs;
  let op = initial;
  while (op['status'] !== 'DONE') {
    if (Date.now() >= until || signal?.aborted) {
      throw new ProviderError({
        provider: 'gcp',
        op: opKind,
        message: `operation ${ref.name} not done after ${deadlineMs} ms (outcome unknown)`,
        retryable: true,
        outcomeUnknown: true,
      });
    }
    const [next] = await gcpCall(
      ctx,
      opKind,
      `wait for operation ${ref.name}`,
      true,
      () => ops.wait({ project: ref.project, zone: ref.zone, operation: ref.name }),
      signal,
    );
    if (!isRecord(next))
      throw new ProviderError({
        provider: 'gcp',
        op: opKind,
        message: `operation ${ref.name}: wait returned no operation (outcome unknown)`,
        retryable: true,
        outcomeUnknown: true,
      });
    op = next;
  }
  const failure = operationFailure(op);
  // A delete whose operation reports the instance not found has what it wanted: the instance is gone.
  const goneOnDelete = opKind === 'delete' && operationErrorCode(op) === 'RESOURCE_NOT_FOUND';
  if (failure !== null && !goneOnDelete) {
    const status = typeof op['httpErrorStatusCode'] === 'number' ? op['httpErrorStatusCode'] : null;
    throw new ProviderError({ provider: 'gcp', op: opKind, message: `operation ${ref.name} failed: ${ctx.redact(failure)}`, retryable: false, status });
  }
  return op;
}
