import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { WebhookNotifier } from './webhook-notifier';

let server: Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

function receiver(statuses: number[]): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  return new Promise((resolve) => {
    server = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        bodies.push(JSON.parse(data));
        res.statusCode = statuses.shift() ?? 200;
        res.end('ok');
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server!.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/services/T0/B0/secret-path`, bodies });
    });
  });
}

describe('WebhookNotifier', () => {
  it('posts {"text"} and retries 5xx until delivered', async () => {
    const { url, bodies } = await receiver([500, 503, 200]);
    const lines: string[] = [];
    const n = new WebhookNotifier({ url, logger: createLogger({ sink: (_l, line) => lines.push(line) }), baseDelayMs: 5 });
    n.notify('PAUSE: vast:1');
    await n.flush();
    expect(bodies).toEqual([{ text: 'PAUSE: vast:1' }, { text: 'PAUSE: vast:1' }, { text: 'PAUSE: vast:1' }]);
    expect(lines.join('\n')).not.toContain('secret-path');
  });

  it('never throws or blocks when the receiver is down', async () => {
    const lines: string[] = [];
    const n = new WebhookNotifier({
      url: 'http://127.0.0.1:1/hooks/secret-path',
      logger: createLogger({ sink: (_l, line) => lines.push(line) }),
      attempts: 2,
      baseDelayMs: 1,
    });
    // notify() returns before any delivery attempt: nothing has been tried (or logged) yet.
    expect(n.notify('x')).toBeUndefined();
    expect(lines).toEqual([]);
    await n.flush();
    expect(lines.some((l) => l.includes('gave up'))).toBe(true);
    expect(lines.join('\n')).not.toContain('secret-path');
  });

  it('does not retry a 4xx refusal', async () => {
    const { url, bodies } = await receiver([404]);
    const n = new WebhookNotifier({ url, logger: createLogger({ sink: () => {} }), baseDelayMs: 1 });
    n.notify('a');
    await n.flush();
    expect(bodies).toHaveLength(1);
  });
});
