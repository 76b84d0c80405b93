// Server wiring: the extension hook sees the store and ingest and provides the decision view and routes; a port
// in use fails start-up cleanly (extension closed, database closed).
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir';
import { parseConfig } from './config/config';
import { silentLogger } from './log';
import { startServer, type ServerParts } from './server';

let dir: TempDir;
afterEach(() => dir?.cleanup());

describe('startServer', () => {
  it('runs the extension before listening and closes it on shutdown', async () => {
    dir = makeTempDir();
    const calls: string[] = [];
    let seen: ServerParts | null = null;
    const server = await startServer(parseConfig({ DATA_DIR: dir.path, PORT: '0' }), {
      logger: silentLogger,
      extend: (parts) => {
        seen = parts;
        return {
          decisionView: {
            instance: () => ({ idleSince: null, protected: true, nextAction: null }),
            savings: () => ({ wired: true }),
            explain: () => 'because',
          },
          routes: [(app) => app.get('/extra', (c) => c.text('extra'))],
          close: () => void calls.push('extension closed'),
        };
      },
    });
    expect(seen!.store).toBe(server.store);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    server.store.ensureInstance('manual:x', Date.now());
    // No ADMIN_TOKEN: the server generated one into DATA_DIR; the API wants it.
    expect((await fetch(`${server.url}/api/status`)).status).toBe(401);
    const auth = { authorization: `Bearer ${server.config.adminToken}` };
    const status = (await (await fetch(`${server.url}/api/status`, { headers: auth })).json()) as { instances: { protected: boolean }[]; savings: unknown };
    expect(status.savings).toEqual({ wired: true });
    expect(status.instances[0]!.protected).toBe(true);
    expect(await (await fetch(`${server.url}/extra`)).text()).toBe('extra');
    await server.close();
    expect(calls).toEqual(['extension closed']);
    expect(server.store.isOpen).toBe(false);
  });

  it('fails cleanly when the port is taken', async () => {
    dir = makeTempDir();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    let closed = false;
    let store: ServerParts['store'] | null = null;
    try {
      await expect(
        startServer(parseConfig({ DATA_DIR: dir.path, PORT: String(port) }), {
          logger: silentLogger,
          extend: (parts) => {
            store = parts.store;
            return { close: () => void (closed = true) };
          },
        }),
      ).rejects.toThrow(/EADDRINUSE/);
      expect(closed).toBe(true);
      expect(store!.isOpen).toBe(false);
    } finally {
      blocker.close();
    }
  });
});
