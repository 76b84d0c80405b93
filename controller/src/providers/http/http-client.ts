// The HTTP client every REST provider uses, the wire only: timeouts, read retries, per-endpoint spacing, typed, redacted errors.
import { type Dispatcher, request } from 'undici';
import { ProviderError, type ProviderOp } from '../../domain/errors';
import { errorMessage, type Logger, silentLogger } from '../../log';
import { MinIntervalGate } from './min-interval-gate';
import { bodySnippet, createRedactor, type Redactor } from './redact';
import { type RetryPolicy, resolveRetryPolicy } from '../../retry/retry-policy';
import { withRetry } from '../../retry/with-retry';
import { classifyTransportError } from './transport-errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpClientOptions {
  /** Provider name used in errors and logs (`vast`, `tensordock`). */
  provider: string;
  /** Base URL; request paths are appended verbatim (trailing slashes are significant on Vast.ai). */
  baseUrl: string;
  /** Headers sent with every request (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /** Values scrubbed from every error and log line. */
  secrets?: readonly (string | null | undefined)[];
  /** Whole-exchange limit per attempt (connect, send, headers and body). Default 30 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Minimum spacing between calls, per endpoint key (see HttpRequest.endpoint). */
  minIntervalMs?: Readonly<Record<string, number>>;
  logger?: Logger;
  /** undici dispatcher (connection pool); the global one by default. */
  dispatcher?: Dispatcher;
  /** Random source for jitter; tests pin it. */
  random?: () => number;
}

export interface HttpRequest {
  op: ProviderOp;
  method: HttpMethod;
  /** Path after the base URL, e.g. `/api/v0/instances/123/`. */
  path: string;
  query?: Record<string, string | number | boolean | null | undefined>;
  /** JSON body; sets `Content-Type: application/json`. */
  json?: unknown;
  /** Form body (`application/x-www-form-urlencoded`), TensorDock v0. */
  form?: Record<string, string>;
  /** Rate-limit key for MinIntervalGate; defaults to the op. */
  endpoint?: string;
  /**
   * Whether sending twice is harmless. Defaults to true for GET only. A non-idempotent request is never resent here:
   * it fails with `safeToResend` (429, never sent) or `outcomeUnknown` (timeout or reset after sending, 5xx), and
   * executor/act-and-verify.ts re-reads the instance before deciding.
   */
  idempotent?: boolean;
  signal?: AbortSignal;
  /** Error statuses handed back to the caller instead of thrown (e.g. 404 = gone). */
  acceptStatus?: readonly number[];
}

export interface HttpResponse {
  status: number;
  text: string;
  /** Parsed body, or undefined when the body is not JSON. */
  json: unknown;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class HttpClient {
  readonly provider: string;
  readonly redact: Redactor;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly gate: MinIntervalGate;
  private readonly logger: Logger;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly random: () => number;

  constructor(opts: HttpClientOptions) {
    this.provider = opts.provider;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.headers = { accept: 'application/json', ...(opts.headers ?? {}) };
    this.redact = createRedactor(opts.secrets ?? []);
    this.timeoutMs = opts.timeoutMs !== undefined && opts.timeoutMs > 0 ? opts.timeoutMs : DEFAULT_TIMEOUT_MS;
    this.policy = resolveRetryPolicy(opts.retry);
    this.gate = new MinIntervalGate(opts.minIntervalMs ?? {});
    this.logger = opts.logger ?? silentLogger;
    this.dispatcher = opts.dispatcher;
    this.random = opts.random ?? Math.random;
  }

  get retryPolicy(): RetryPolicy {
    return this.policy;
  }

  /**
   * One logical call. A request that only reads (idempotent) is retried here on 429, 5xx and network errors, with the
   * one backoff (retry/with-retry.ts). A request that changes something is sent exactly once: its error says whether
   * sending it again is safe (`safeToResend`: refused with 429 or never sent) or its outcome is unknown, and
   * executor/act-and-verify.ts decides, after the fence, whether to send it again.
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const idempotent = req.idempotent ?? req.method === 'GET';
    const label = `${req.method} ${this.redact(req.path)}`;
    let resendable = false;
    return withRetry(
      async () => {
        await this.waitGate(req);
        const outcome = await this.attempt(req, label, idempotent);
        if (outcome.kind === 'response') return outcome.response;
        resendable = outcome.resendable;
        throw outcome.error;
      },
      {
        policy: this.policy,
        retryable: () => idempotent && resendable,
        onRetry: (err, n, delay) => this.logger.warn(`${errorMessage(err)}; retry ${n + 1}/${this.policy.maxRetries} in ${delay} ms`),
        signal: req.signal,
        random: this.random,
        abortedWait: (_last, cause) => this.error(req.op, 'aborted while waiting to retry', { retryable: true, detail: cause }),
      },
    );
  }

  private async waitGate(req: HttpRequest): Promise<void> {
    try {
      await this.gate.wait(req.endpoint ?? req.op, req.signal);
    } catch (cause) {
      throw this.error(req.op, 'aborted while waiting for the rate limit', { retryable: true, detail: cause });
    }
  }

  private async attempt(
    req: HttpRequest,
    label: string,
    idempotent: boolean,
  ): Promise<{ kind: 'response'; response: HttpResponse } | { kind: 'error'; error: ProviderError; resendable: boolean }> {
    const url = this.url(req);
    const headers: Record<string, string> = { ...this.headers };
    let body: string | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(req.form).toString();
    }
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    let status: number;
    let text: string;
    try {
      const res = await request(url, { method: req.method, headers, body, signal, dispatcher: this.dispatcher });
      status = res.statusCode;
      text = await res.body.text();
    } catch (cause) {
      const callerAborted = req.signal?.aborted === true;
      const timedOut = !callerAborted && timeout.aborted;
      const transport = classifyTransportError(cause);
      const notSent = !timedOut && !callerAborted && transport.notSent;
      const what = callerAborted ? 'aborted by caller' : timedOut ? `timed out after ${this.timeoutMs} ms` : transport.description;
      const outcomeUnknown = !idempotent && !notSent;
      const resendable = !callerAborted && (idempotent || notSent);
      const error = this.error(req.op, `${label}: ${what}${outcomeUnknown ? ' (outcome unknown)' : ''}`, {
        retryable: true,
        outcomeUnknown,
        safeToResend: !idempotent && resendable,
        detail: cause,
      });
      return { kind: 'error', error, resendable };
    }
    const json = parseJson(text);
    if (status < 400 || req.acceptStatus?.includes(status)) return { kind: 'response', response: { status, text, json } };
    const snippet = bodySnippet(text, this.redact);
    if (status === 429) {
      // Vast.ai sends no Retry-After and often a plain-text body ("API requests too frequent"): back off ourselves.
      const error = this.error(req.op, `${label}: HTTP 429 rate limited: ${snippet}`, { retryable: true, status, safeToResend: !idempotent });
      return { kind: 'error', error, resendable: true };
    }
    if (status >= 500) {
      const outcomeUnknown = !idempotent;
      const error = this.error(req.op, `${label}: HTTP ${status}: ${snippet}${outcomeUnknown ? ' (outcome unknown)' : ''}`, {
        retryable: true,
        status,
        outcomeUnknown,
      });
      return { kind: 'error', error, resendable: idempotent };
    }
    const kind = status === 401 || status === 403 ? 'authentication failed' : 'request rejected';
    return { kind: 'error', error: this.error(req.op, `${label}: HTTP ${status} ${kind}: ${snippet}`, { retryable: false, status }), resendable: false };
  }

  private url(req: HttpRequest): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined && v !== null) q.set(k, String(v));
    const qs = q.toString();
    return `${this.baseUrl}${req.path}${qs ? `?${qs}` : ''}`;
  }

  /** Builds a ProviderError whose message is redacted; the raw cause is not attached (it may hold headers). */
  error(
    op: ProviderOp,
    message: string,
    opts: { retryable: boolean; status?: number | null; outcomeUnknown?: boolean; safeToResend?: boolean; detail?: unknown },
  ): ProviderError {
    if (opts.detail !== undefined) this.logger.debug(`${this.provider} ${op}: detail: ${this.redact(errorMessage(opts.detail))}`);
    return new ProviderError({
      provider: this.provider,
      op,
      message: this.redact(message),
      retryable: opts.retryable,
      status: opts.status ?? null,
      outcomeUnknown: opts.outcomeUnknown ?? false,
      safeToResend: opts.safeToResend ?? false,
    });
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
