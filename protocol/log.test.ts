import { describe, expect, it } from 'vitest';
import { createLogger } from './log';

describe('createLogger', () => {
  it('scrubs registered secrets and honours the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', secrets: ['sk-very-secret'], sink: (_l, line) => lines.push(line), now: () => new Date(0) });
    log.debug('hidden');
    log.info('key is sk-very-secret');
    log.error('failed', new Error('auth sk-very-secret rejected'));
    expect(lines).toEqual(['1970-01-01T00:00:00.000Z INFO  key is ***', '1970-01-01T00:00:00.000Z ERROR failed: auth *** rejected']);
  });
});
