// The composition root: one call builds store, ingest, optimizer and HTTP in order; the overrides replace what they
// name; shutdown closes the database; a port in use fails start-up cleanly; on PostgreSQL, a replica that takes the
// lead after following unobserved is healthy until its first cycle is due.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryProvider, memoryInstance } from '../../../test/fakes/memory-provider';
import { makeTempDir, type TempDir } from '../../../test/helpers/temp-dir';
import { storeBackends, useTempStore } from '../../../test/helpers/temp-store';
import { parseConfig } from '../config/config';
import { silentLogger } from '../log';
import { Leadership } from '../replicas/leadership';
import { startController } from './start-controller';

let dir: TempDir;
afterEach(() => dir?.cleanup());

describe('startController', () => {
  it('wires the given providers into the cycle and shows what the cycle decided; a hold shows at once', async () => {
    dir = makeTempDir();
    const provider = new MemoryProvider([memoryInstance('7', { name: 'keep-me' }), memoryInstance('8')]);
    const server = await startController(parseConfig({ DATA_DIR: dir.path, PORT: '0', PROTECTED_INSTANCES: 'keep-me' }), {
      logger: silentLogger,
      providers: [provider],
      sshPoller: null,
      loop: false,
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.optimizer.providerNames).toEqual(['vast']);
      // No ADMIN_TOKEN: the controller generated one into DATA_DIR; the API wants it.
      expect((await fetch(`${server.url}/api/status`)).status).toBe(401);
      const report = await server.optimizer.runOnce();
      expect(report.decisions.map((d) => [d.instanceId, d.code])).toEqual([
        ['vast:7', 'protected-config'],
        ['vast:8', 'no-data'],
      ]);
      const auth = { authorization: `Bearer ${server.config.adminToken}` };
      const status = async () =>
        ((await (await fetch(`${server.url}/api/status`, { headers: auth })).json()) as { instances: { id: string; protected: boolean; decidedAt: string }[] })
          .instances;
      const decidedAt = new Date(report.at).toISOString();
      expect(await status()).toMatchObject([
        { id: 'vast:7', protected: true, decidedAt },
        { id: 'vast:8', protected: false, decidedAt },
      ]);
      // The operator's act changes the instance's inputs: the view decides it afresh instead of waiting for a cycle.
      const beforeHold = new Date().toISOString();
      const held = await fetch(`${server.url}/api/instances/vast:8/hold`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ hours: 2 }),
      });
      expect(held.status).toBe(200);
      const after = await status();
      expect(after[1]).toMatchObject({ id: 'vast:8', protected: true });
      expect(after[1]!.decidedAt >= beforeHold).toBe(true);
    } finally {
      await server.close();
    }
    expect(server.store.isOpen).toBe(false);
  });

  it('fails cleanly when the port is taken', async () => {
    dir = makeTempDir();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(
        startController(parseConfig({ DATA_DIR: dir.path, PORT: String(port) }), { logger: silentLogger, providers: [], sshPoller: null }),
      ).rejects.toThrow(/EADDRINUSE/);
      // What the failed start opened was undone: the database was closed (SQLite removes its WAL file on the last close).
      expect(existsSync(join(dir.path, 'cost-optimizer.db'))).toBe(true);
      expect(existsSync(join(dir.path, 'cost-optimizer.db-wal'))).toBe(false);
    } finally {
      blocker.close();
    }
  });
});

describe.skipIf(!storeBackends().includes('postgres'))('startController on PostgreSQL', () => {
  const t = useTempStore('postgres');

  it('a replica that takes the lead is counted from then on /healthz, not from its start, though nobody asked while it followed', async () => {
    dir = makeTempDir();
    // Another replica holds the lease while this one starts, and lets it go after more than 3 CHECK_INTERVALs.
    const other = new Leadership({ store: t.store, replicaId: 'other', leaseSec: 3, logger: silentLogger });
    expect(other.tick()).toBe('leader');
    const server = await startController(
      parseConfig({ DATA_DIR: dir.path, PORT: '0', DATABASE_URL: t.location, REPLICA_ID: 'late', LEADER_LEASE_SECONDS: '3', CHECK_INTERVAL: '1' }),
      { logger: silentLogger, providers: [], sshPoller: null, loop: false },
    );
    try {
      await new Promise((r) => setTimeout(r, 3_500));
      other.stop();
      // It renews every second: it leads within about one, and its first cycle is due 3 s after that.
      let health: { status: number; body: { ok: boolean; role?: string; error?: string } } | null = null;
      const deadline = Date.now() + 10_000;
      while (health?.body.role !== 'leader' && Date.now() < deadline) {
        const r = await fetch(`${server.url}/healthz`);
        health = { status: r.status, body: (await r.json()) as { ok: boolean; role?: string; error?: string } };
        if (health.body.role !== 'leader') await new Promise((r) => setTimeout(r, 50));
      }
      expect(health).toMatchObject({ status: 200, body: { ok: true, role: 'leader' } });
    } finally {
      await server.close();
    }
  }, 30_000);
});
