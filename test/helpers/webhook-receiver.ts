// A real HTTP webhook receiver on loopback that keeps every {"text": ...} it is sent (Slack's incoming-webhook shape).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookReceiver {
  url: string;
  texts: string[];
  close(): Promise<void>;
}

export function startWebhookReceiver(path = '/services/T000/B000/secret'): Promise<WebhookReceiver> {
  const texts: string[] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      try {
        const body = JSON.parse(data) as { text?: unknown };
        if (req.method === 'POST' && req.url === path && typeof body.text === 'string') {
          texts.push(body.text);
          res.statusCode = 200;
          res.end('ok');
          return;
        }
      } catch {
        // answered below
      }
      res.statusCode = 400;
      res.end('invalid_payload');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}${path}`, texts, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}
