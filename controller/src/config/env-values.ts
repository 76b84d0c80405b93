// Reading one setting from an env-like record: trimmed text, a bounded number, a boolean, an http(s) or smtp URL,
// a comma list, type=price pairs. Each bad value is a ConfigError naming the variable; parseConfig (config.ts) uses them.
import { ConfigError } from '../domain/errors';

export type Env = Record<string, string | undefined>;

export function str(env: Env, name: string): string | null {
  const v = env[name];
  if (v === undefined) return null;
  const t = v.trim();
  return t === '' ? null : t;
}

export function num(env: Env, name: string, def: number, opts: { min?: number; max?: number; int?: boolean; gt?: number } = {}): number {
  const raw = str(env, name);
  if (raw === null) return def;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) throw new ConfigError(name, `expected a number, got "${raw}"`);
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new ConfigError(name, `expected a finite number, got "${raw}"`);
  if (opts.int && !Number.isInteger(n)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  if (opts.min !== undefined && n < opts.min) throw new ConfigError(name, `must be >= ${opts.min}, got ${raw}`);
  if (opts.gt !== undefined && n <= opts.gt) throw new ConfigError(name, `must be > ${opts.gt}, got ${raw}`);
  if (opts.max !== undefined && n > opts.max) throw new ConfigError(name, `must be <= ${opts.max}, got ${raw}`);
  return n;
}

export function bool(env: Env, name: string, def: boolean): boolean {
  const raw = str(env, name);
  if (raw === null) return def;
  const l = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(l)) return true;
  if (['0', 'false', 'no', 'off'].includes(l)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

export function url(env: Env, name: string, def: string | null): string | null {
  const raw = str(env, name) ?? def;
  if (raw === null) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(name, 'must be an http:// or https:// URL');
  return raw.replace(/\/+$/, '');
}

export function smtpUrl(env: Env): string | null {
  const raw = str(env, 'SMTP_URL');
  if (raw === null) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError('SMTP_URL', 'is not a valid URL');
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new ConfigError('SMTP_URL', 'must be an smtp:// or smtps:// URL');
  return raw;
}

export function list(env: Env, name: string): string[] {
  const raw = str(env, name);
  if (raw === null) return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function prices(env: Env, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of list(env, name)) {
    const m = /^([A-Za-z0-9._-]+)=(\d+(?:\.\d+)?)$/.exec(item);
    if (!m) throw new ConfigError(name, `expected type=usdPerHour pairs, got "${item}"`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}
