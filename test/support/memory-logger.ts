// Test helper: a logger that keeps its lines in memory (debug level), so tests can look for messages and secrets.
import { type Logger, createLogger } from '../../protocol/log';

export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', sink: (_level, line) => lines.push(line) }) };
}
