// Attack: DNS rebinding with a name that looks like loopback. A page on 127.rebind.attacker.example (a DNS name its
// owner points at the controller's address) makes the browser send requests with that Host. Before, the request guard
// took any name starting with "127." for loopback and answered; now loopback is the literal 127.0.0.0/8, ::1 and
// localhost only (protocol/loopback.ts), so the name gets 421. In-process controller, real sockets.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../helpers/in-process-controller';

let ctl: TestController;
beforeAll(async () => {
  ctl = await startTestController();
});
afterAll(async () => {
  await ctl.stop();
});

function get(path: string, host: string, headers: Record<string, string> = {}): Promise<number> {
  const u = new URL(ctl.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, headers: { host, ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('loopback-looking names', () => {
  it('refuses Host: 127.rebind.attacker.example, with or without the credential, and answers the literal addresses', async () => {
    const port = new URL(ctl.url).port;
    const auth = ctl.adminHeaders();
    expect(await get('/api/status', `127.rebind.attacker.example:${port}`, auth)).toBe(421);
    expect(await get('/', `127.rebind.attacker.example:${port}`)).toBe(421);
    expect(await get('/api/status', `127.0.0.1.attacker.example:${port}`, auth)).toBe(421);
    expect(await get('/api/status', `127.0.0.1:${port}`, auth)).toBe(200);
    expect(await get('/api/status', `127.0.0.2:${port}`, auth)).toBe(200);
    expect(await get('/api/status', `localhost:${port}`, auth)).toBe(200);
  });
});
