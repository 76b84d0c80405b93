// Attack: a stolen agent token keeps working after the operator revokes it, as long as its connection stays open.
// A real controller process, real agents (dist/agent.js with the fake nvidia-smi), `token revoke` as its own process.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbPath } from '../../controller/src/store/open-db';
import { CLI, ensureBuilt } from '../helpers/build';
import { waitFor } from '../helpers/in-process-controller';
import { killAllAgents, spawnAgent } from '../helpers/spawn-agent';
import { killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { SimAgent } from '../sim-agent';

const dir = makeTempDir('co-sec-revoke-');
let ctl: SpawnedController;
let admin = '';

async function mint(instanceId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await fetch(`${ctl.url}/api/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ instanceId, ...extra }),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { token: string }).token;
}

beforeAll(async () => {
  ensureBuilt();
  ctl = await spawnController({ dataDir: dir.path });
  // Read only if present, so that on a controller without the feature the attack itself is what fails.
  const file = join(dir.path, 'admin-token');
  admin = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
}, 60_000);
afterAll(async () => {
  killAllAgents();
  killAllControllers();
  dir.cleanup();
});

describe('revocation that bites', () => {
  it('`token revoke` from a separate process closes the live agent connection', async () => {
    const token = await mint('manual:revoke-cli');
    const agent = spawnAgent({ controllerWsUrl: ctl.wsUrl, token, dir: dir.path, name: 'revoke-cli' });
    await waitFor(() => ctl.output().includes('agent connected: manual:revoke-cli'), 30_000, 'the agent to connect');
    const r = spawnSync(process.execPath, [CLI, 'token', 'revoke', 'manual:revoke-cli'], {
      cwd: dir.path,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir.path, DATA_DIR: dir.path },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('revoked 1 token');
    await waitFor(
      () => /agent manual:revoke-cli \([^)]*\): token revoked; closing/.test(ctl.output()),
      30_000,
      'the controller to close the revoked connection',
    );
    await waitFor(() => /agent disconnected: manual:revoke-cli \(4401/.test(ctl.output()), 30_000, 'the socket to close with 4401');
    await agent.stop();
  });

  it('DELETE /api/tokens/:instanceId closes the live connection', async () => {
    const token = await mint('manual:revoke-api');
    const agent = spawnAgent({ controllerWsUrl: ctl.wsUrl, token, dir: dir.path, name: 'revoke-api' });
    await waitFor(() => ctl.output().includes('agent connected: manual:revoke-api'), 30_000, 'the agent to connect');
    const del = await fetch(`${ctl.url}/api/tokens/manual:revoke-api`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ instanceId: 'manual:revoke-api', revoked: 1 });
    await waitFor(() => /agent disconnected: manual:revoke-api \(4401/.test(ctl.output()), 30_000, 'the socket to close with 4401');
    await agent.stop();
  });

  it('`token create --expires-in` stores an expiry the controller honours', async () => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir.path, DATA_DIR: dir.path };
    const r = spawnSync(process.execPath, [CLI, 'token', 'create', 'manual:cli-expiring', '--expires-in', '1h'], {
      cwd: dir.path,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/valid until \d{4}-\d\d-\d\dT/);
    const db = new Database(dbPath(dir.path), { readonly: true });
    try {
      const exp = db.prepare("SELECT t.expires_at FROM tokens t WHERE t.instance_id = 'manual:cli-expiring'").pluck().get() as number;
      expect(exp - Date.now()).toBeGreaterThan(3_500_000);
      expect(exp - Date.now()).toBeLessThanOrEqual(3_600_000);
    } finally {
      db.close();
    }
    const agent = new SimAgent({ url: ctl.wsUrl, token: r.stdout.split('\n')[0]!.trim() });
    await agent.connect();
    await agent.close();
    const bad = spawnSync(process.execPath, [CLI, 'token', 'create', 'manual:cli-expiring', '--expires-in', 'soon'], {
      cwd: dir.path,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--expires-in needs a duration');
  });

  it('an expired token is refused and its connection closed', async () => {
    const token = await mint('manual:expiring', { expiresAt: new Date(Date.now() + 4_000).toISOString() });
    const agent = spawnAgent({ controllerWsUrl: ctl.wsUrl, token, dir: dir.path, name: 'expiring' });
    await waitFor(() => ctl.output().includes('agent connected: manual:expiring'), 30_000, 'the agent to connect');
    await waitFor(() => /agent manual:expiring \([^)]*\): token expired; closing/.test(ctl.output()), 30_000, 'the expired connection to close');
    // Reconnecting with it is refused at the upgrade.
    const again = new SimAgent({ url: ctl.wsUrl, token });
    await expect(again.connect()).rejects.toMatchObject({ status: 401 });
    await agent.stop();
  });
});
