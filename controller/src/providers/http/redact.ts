// Removes secrets from anything that could end up in an error, a log line or the API: values, URL query keys, Bearer headers.

/** Query or form keys whose values are always secret, whatever they hold (Vast `?api_key=`, TensorDock v0 form). */
const SECRET_KEYS = ['api_key', 'apikey', 'api_token', 'access_token', 'token', 'key', 'password', 'client_secret'];
const KEY_PATTERN = new RegExp(`((?:^|[?&\\s"'{,])(?:${SECRET_KEYS.join('|')})=)[^&#\\s"']*`, 'gi');
const JSON_KEY_PATTERN = new RegExp(`("(?:${SECRET_KEYS.join('|')})"\\s*:\\s*")[^"]*(")`, 'gi');
const BEARER_PATTERN = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;

export type Redactor = (text: string) => string;

/** Builds a scrubber for the given secrets (shorter than 4 characters are ignored: they would mangle normal text). */
export function createRedactor(secrets: readonly (string | null | undefined)[] = []): Redactor {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < 4) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(new URLSearchParams({ x: s }).toString().slice(2));
  }
  // Longest first, so a secret that contains another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = String(text);
    for (const f of ordered) out = out.split(f).join('***');
    return out.replace(KEY_PATTERN, '$1***').replace(JSON_KEY_PATTERN, '$1***$2').replace(BEARER_PATTERN, '$1***');
  };
}

/** A short, single-line, redacted excerpt of a response body for error messages. */
export function bodySnippet(body: string, redact: Redactor, max = 200): string {
  // Redact before cutting: a cut through the middle of a secret would leave its first half readable.
  const flat = redact(body.replace(/\s+/g, ' ').trim());
  return flat.length > max ? flat.slice(0, max) + '...' : flat;
}
