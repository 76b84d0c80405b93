// Typed errors shared across the controller. Messages never carry secrets.

export { ConfigError } from '../../../protocol/config-error';

export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(
    message: string,
    /** WebSocket close code to use when this error ends a connection. */
    readonly closeCode: number,
  ) {
    super(message);
  }
}

export type ProviderOp = 'list' | 'get' | 'pause' | 'resume' | 'delete' | 'init';

export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly provider: string;
  readonly op: ProviderOp;
  /** True when trying again later may succeed (429, 5xx, network). */
  readonly retryable: boolean;
  /** HTTP status when there was one. */
  readonly status: number | null;
  /** True when the request may have reached the provider and its outcome is not known (timeout after send). */
  readonly outcomeUnknown: boolean;
  /**
   * True only on a call that changes something (pause, resume, delete) which the provider certainly did not act on:
   * refused with 429, or the connection failed before the request left. The wire sends it once; act-and-verify
   * (executor/act-and-verify.ts) may send it again, after the fence, as the same first request.
   */
  readonly safeToResend: boolean;
  constructor(opts: {
    provider: string;
    op: ProviderOp;
    message: string;
    retryable: boolean;
    status?: number | null;
    outcomeUnknown?: boolean;
    safeToResend?: boolean;
    cause?: unknown;
  }) {
    super(`${opts.provider} ${opts.op}: ${opts.message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.provider = opts.provider;
    this.op = opts.op;
    this.retryable = opts.retryable;
    this.status = opts.status ?? null;
    this.outcomeUnknown = opts.outcomeUnknown ?? false;
    this.safeToResend = opts.safeToResend ?? false;
  }
}
