// DATABASE_URL: its validation, the passwords it may carry (user info or a password= parameter) and its redacted form
// for logs and the status API (docs/scale-out.md).
import { ConfigError } from '../domain/errors';
import { type Env, str } from './env-values';

/** DATABASE_URL: postgres:// or postgresql:// (libpq's URL form), else a clear error; unset or empty = SQLite. */
export function databaseUrl(env: Env): string | null {
  const raw = str(env, 'DATABASE_URL');
  if (raw === null) return null;
  if (!/^postgres(ql)?:\/\/\S+$/i.test(raw)) {
    throw new ConfigError('DATABASE_URL', 'expected a postgres:// or postgresql:// URL (unset keeps SQLite in DATA_DIR)');
  }
  return raw;
}

/** The passwords in a postgres:// URL (user info, or a `password=` parameter), as written and decoded. */
export function databasePasswords(url: string | null): string[] {
  if (url === null) return [];
  const out: string[] = [];
  const userInfo = /^[a-z]+:\/\/[^:/@]*:([^@/]*)@/i.exec(url)?.[1];
  if (userInfo) out.push(userInfo);
  const param = /[?&]password=([^&#]*)/i.exec(url)?.[1];
  if (param) out.push(param);
  for (const p of [...out]) {
    try {
      const d = decodeURIComponent(p);
      if (d !== p) out.push(d);
    } catch {
      // not %-encoded: the raw text is what appears
    }
  }
  return out;
}

/** A postgres:// URL with its passwords replaced, for logs and the status API. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@').replace(/([?&]password=)[^&#]*/i, '$1***');
}
