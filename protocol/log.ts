// A small leveled logger writing one line per event (the line format both the agent and the controller print);
// every line is scrubbed of the secrets registered at start-up.
import { stripControl } from './untrusted-text';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string, err?: unknown): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Strings that must never be printed (API keys, tokens); replaced by `***`. */
  secrets?: readonly (string | null | undefined)[];
  /** Where lines go; defaults to stdout (info, debug) and stderr (warn, error). */
  sink?: (level: LogLevel, line: string) => void;
  /** Clock for the timestamp; tests pass a fixed one. */
  now?: () => Date;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const secrets = (opts.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 4);
  const now = opts.now ?? (() => new Date());
  const sink =
    opts.sink ??
    ((level: LogLevel, line: string) => {
      (level === 'warn' || level === 'error' ? process.stderr : process.stdout).write(line + '\n');
    });
  const scrub = (s: string) => {
    let out = s;
    for (const secret of secrets) out = out.split(secret).join('***');
    return out;
  };
  const emit = (level: LogLevel, msg: string) => {
    if (ORDER[level] < min) return;
    // Messages quote what agents and providers sent (names, error bodies): control characters and escapes are
    // stripped so nobody can forge a log line or drive the terminal of whoever reads the log.
    sink(level, scrub(`${now().toISOString()} ${level.toUpperCase().padEnd(5)} ${stripControl(msg)}`));
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m, err) => emit('error', err === undefined ? m : `${m}: ${errorMessage(err)}`),
  };
}

/** A logger that drops everything; for library users who pass none and for quiet tests. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
