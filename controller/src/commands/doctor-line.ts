// One line of `cost-optimizer doctor`: a check's outcome (ok, warn or FAIL), what it found and, when it is not ok,
// the fix; printed with every secret of the configuration replaced by ***.
import { type Config, secretsOf } from '../config/config';

export type CheckStatus = 'ok' | 'warn' | 'FAIL';

export interface CheckLine {
  status: CheckStatus;
  /** What was checked: `config`, `Vast.ai`, `TLS`, `SSH key`, `SSH vast:123`, `agents`. */
  subject: string;
  /** What it found, or precisely what failed. */
  text: string;
  /** What to do about it; printed after the text when the check is not ok. */
  fix?: string;
}

export const ok = (subject: string, text: string): CheckLine => ({ status: 'ok', subject, text });
export const warn = (subject: string, text: string, fix: string): CheckLine => ({ status: 'warn', subject, text, fix });
export const fail = (subject: string, text: string, fix: string): CheckLine => ({ status: 'FAIL', subject, text, fix });

/** `ok   subject: text`, `FAIL subject: text; fix: ...` (the status padded to one width). */
export function formatLine(l: CheckLine): string {
  const head = `${l.status.padEnd(4)} ${l.subject}${l.text === '' ? '' : `: ${l.text}`}`;
  return l.status === 'ok' || l.fix === undefined ? head : `${head}; fix: ${l.fix}`;
}

/**
 * Every secret the configuration holds, and the secret part of the webhook URL on its own (its path: Slack's carries
 * the token), longest first so that a secret containing another is replaced whole.
 */
export function doctorSecrets(config: Config | null): string[] {
  const all = config === null ? [] : [...secretsOf(config)];
  if (config?.webhookUrl) {
    const u = new URL(config.webhookUrl);
    all.push(u.pathname + u.search, u.pathname, u.password);
  }
  return [...new Set(all.filter((s): s is string => typeof s === 'string' && s.length >= 4 && s !== '/'))].sort((a, b) => b.length - a.length);
}

/** The text with each secret replaced by `***`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

/** The webhook URL as it may be shown: its origin and `/***` (the path is the secret). */
export function webhookWhere(url: string): string {
  return `${new URL(url).origin}/***`;
}
