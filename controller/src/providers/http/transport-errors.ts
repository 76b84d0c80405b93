// Classifies a failed HTTP exchange: was the request surely not sent (safe to resend), or may the provider have acted?

/** Error codes raised before any byte of the request left this machine: resending cannot act twice. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface TransportFailure {
  /** True when the request certainly never reached the provider. */
  notSent: boolean;
  /** Short description without secrets (codes and names only). */
  description: string;
}

function codeOf(err: unknown): string | undefined {
  let e: unknown = err;
  // undici wraps the socket error: `fetch failed` / `connect ECONNREFUSED` may sit in `.cause`.
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function classifyTransportError(err: unknown): TransportFailure {
  const code = codeOf(err);
  const name = err instanceof Error ? err.name : typeof err;
  if (code && NOT_SENT_CODES.has(code)) return { notSent: true, description: `connection failed (${code})` };
  // Everything else (reset, socket closed, headers/body timeout) may have happened after the request was written.
  return { notSent: false, description: code ? `network error (${code})` : `network error (${name})` };
}
