// Runs one @google-cloud/compute call (reads retried with the one backoff) and turns its errors into redacted ProviderErrors.
//
// The client's own retries are off for what we call (v6 does not retry the GaxiosErrors REST answers produce) and
// its deadline is ignored on the REST transport, so timeouts come from the auth client's fetch (gcp-sdk.ts) plus a
// backstop here. GaxiosError (v6) has `.status` = HTTP status; its `config` holds the Authorization header, so the
// raw error is never attached or logged.
import { ProviderError, type ProviderOp } from '../../domain/errors';
import { errorMessage, type Logger } from '../../log';
import type { Redactor } from '../http/redact';
import type { RetryPolicy } from '../../retry/retry-policy';
import { withRetry } from '../../retry/with-retry';
import { classifyTransportError } from '../http/transport-errors';
import { isRecord } from '../parse-helpers';

export interface GcpCallContext {
  policy: RetryPolicy;
  logger: Logger;
  redact: Redactor;
  /** Backstop for one attempt, in case the transport's own timeout never fires. */
  attemptDeadlineMs: number;
  random?: () => number;
}

export interface GcpFailure {
  status: number | null;
  message: string;
  /** A transport failure that surely happened before sending. */
  notSent: boolean;
  timedOut: boolean;
  /** A network-level failure (timeout, reset, refused): no HTTP status, but a transient cause. */
  network: boolean;
}

/** Reads what we need from a GaxiosError / GoogleError / network error, without touching its config. */
export function describeGcpError(err: unknown, redact: Redactor): GcpFailure {
  const e = isRecord(err) ? err : {};
  const rawStatus = e['status'] ?? (isRecord(e['response']) ? e['response']['status'] : undefined);
  const code = e['code'];
  const status = typeof rawStatus === 'number' ? rawStatus : typeof code === 'number' && code >= 100 && code < 600 ? code : null;
  let message = errorMessage(err);
  // REST errors arrive as the JSON body text: {"error":{"code":404,"message":"The resource ... was not found",...}}.
  try {
    const body: unknown = JSON.parse(message);
    if (isRecord(body) && isRecord(body['error']) && typeof body['error']['message'] === 'string') message = body['error']['message'];
  } catch {
    // not JSON: keep the text
  }
  const timedOut = status === null && /abort|timed? ?out/i.test(`${message} ${err instanceof Error ? err.name : ''}`);
  const notSent = status === null && !timedOut && classifyTransportError(err).notSent;
  const network = status === null && (timedOut || typeof code === 'string' || /socket|network|fetch failed|ECONN|EPIPE/i.test(message));
  // The transport's timeout surfaces as "The operation was aborted."; say what it means.
  if (timedOut && !/timed? ?out/i.test(message)) message = `no answer in time (${message.trim()})`;
  const flat = message.replace(/\s+/g, ' ').trim();
  return { status, message: redact(flat.length > 300 ? `${flat.slice(0, 300)}...` : flat), notSent, timedOut, network };
}

/** Thrown by the backstop timer; recognised below as a timeout. */
class Backstop extends Error {
  override name = 'TimeoutError';
}

function withBackstop<T>(fn: () => Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Backstop(`timed out after ${ms} ms`)), ms);
    const onAbort = () => reject(new Backstop('aborted by caller'));
    signal?.addEventListener('abort', onAbort, { once: true });
    fn()
      .then(resolve, reject)
      .finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      });
  });
}

/**
 * Calls `fn`; an idempotent call is retried (retry/with-retry.ts) on 429, 5xx, timeouts and resets. A call that changes
 * something is sent once: its error says whether sending it again is safe (`safeToResend`: 429 or never sent) or its
 * outcome is unknown, for executor/act-and-verify.ts to resolve by re-reading.
 */
export async function gcpCall<T>(
  ctx: GcpCallContext,
  op: ProviderOp,
  what: string,
  idempotent: boolean,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  let resendable = false;
  return withRetry(
    async () => {
      resendable = false;
      try {
        return await withBackstop(fn, ctx.attemptDeadlineMs, signal);
      } catch (err) {
        // Our own verdicts (e.g. a partial list) pass through as they are.
        if (err instanceof ProviderError) throw err;
        const failure = failureOf(ctx, op, what, idempotent, err);
        resendable = failure.resendable;
        throw failure.error;
      }
    },
    {
      policy: ctx.policy,
      retryable: () => idempotent && resendable,
      onRetry: (err, n, delay) => ctx.logger.warn(`${errorMessage(err)}; retry ${n + 1}/${ctx.policy.maxRetries} in ${delay} ms`),
      signal,
      random: ctx.random,
    },
  );
}

/** The typed error of one failed try, and whether sending the same request again cannot act twice. */
function failureOf(ctx: GcpCallContext, op: ProviderOp, what: string, idempotent: boolean, err: unknown): { error: ProviderError; resendable: boolean } {
  const f = describeGcpError(err, ctx.redact);
  const rateLimited = f.status === 429;
  const serverError = f.status !== null && f.status >= 500;
  const transient = rateLimited || serverError || f.network;
  // Without an HTTP status and not surely unsent, a non-idempotent call may have landed: outcome unknown.
  const outcomeUnknown = !idempotent && !rateLimited && !f.notSent && (f.status === null || serverError);
  const resendable = rateLimited || f.notSent || (idempotent && (serverError || f.network));
  const error = new ProviderError({
    provider: 'gcp',
    op,
    message: `${what}: ${f.status === null ? '' : `HTTP ${f.status}: `}${f.message}${outcomeUnknown ? ' (outcome unknown)' : ''}`,
    retryable: transient,
    status: f.status,
    outcomeUnknown,
    safeToResend: !idempotent && resendable,
  });
  return { error, resendable };
}
