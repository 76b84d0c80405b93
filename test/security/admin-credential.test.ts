// Attack: the admin API of a controller with no ADMIN_TOKEN, reached from the network side of a local TLS proxy,
// from a web page (cross-site POST, DNS rebinding) and anonymously on loopback. A real controller process.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../helpers/build';
import { killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';

const dir = makeTempDir('co-sec-admin-');
let ctl: SpawnedController;
let token = '';

beforeAll(async () => {
  ensureBuilt();
  ctl = await spawnController({ dataDir: dir.path });
  // Read only if present, so that on a controller without the feature the attack itself is what fails.
  const file = join(dir.path, 'admin-token');
  token = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
}, 60_000);
afterAll(async () => {
  killAllControllers();
  dir.cleanup();
});

const basic = () => 'Basic ' + Buffer.from(`admin:${token}`).toString('base64');

describe('no ADMIN_TOKEN set, controller on loopback', () => {
  it('generated a credential into DATA_DIR with mode 0600 and logged where, never what', () => {
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir.path, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(ctl.output()).toContain(join(dir.path, 'admin-token'));
    expect(ctl.output()).not.toContain(token);
  });

  it('refuses anonymous calls to the admin API, including minting agent tokens', async () => {
    expect((await fetch(`${ctl.url}/api/status`)).status).toBe(401);
    const mint = await fetch(`${ctl.url}/api/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instanceId: 'manual:attacker' }),
    });
    expect(mint.status).toBe(401);
    expect((await fetch(`${ctl.url}/api/status`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    expect((await fetch(`${ctl.url}/api/status`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('lets the local CLI in with the generated credential', () => {
    const r = spawnSync(process.execPath, [CLI, 'status', '--json'], {
      cwd: dir.path,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir.path, DATA_DIR: dir.path, PORT: String(ctl.port), HOST: '127.0.0.1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('instances');
  });

  it('refuses a cross-site POST even when the browser sends the cached credential', async () => {
    const body = JSON.stringify({ instanceId: 'manual:csrf' });
    const evil = await fetch(`${ctl.url}/api/tokens`, {
      method: 'POST',
      headers: { authorization: basic(), origin: 'https://evil.example', 'content-type': 'application/json' },
      body,
    });
    expect(evil.status).toBe(403);
    // A form post cannot send JSON: text/plain is refused whatever the origin.
    const form = await fetch(`${ctl.url}/api/tokens`, { method: 'POST', headers: { authorization: basic(), 'content-type': 'text/plain' }, body });
    expect(form.status).toBe(415);
    const own = await fetch(`${ctl.url}/api/tokens`, {
      method: 'POST',
      headers: { authorization: basic(), origin: ctl.url, 'content-type': 'application/json' },
      body,
    });
    expect(own.status).toBe(201);
  });

  it('answers no name but its own (DNS rebinding)', async () => {
    // fetch cannot set Host; a raw request can.
    const { request } = await import('undici');
    const r = await request(`${ctl.url}/api/status`, { headers: { host: `rebind.evil.example:${ctl.port}`, authorization: `Bearer ${token}` } });
    await r.body.text();
    expect(r.statusCode).toBe(421);
    const dash = await request(`${ctl.url}/`, { headers: { host: `rebind.evil.example:${ctl.port}`, authorization: basic() } });
    await dash.body.text();
    expect(dash.statusCode).toBe(421);
  });

  it('sends the dashboard with a CSP that forbids framing, and nosniff', async () => {
    const r = await fetch(`${ctl.url}/`, { headers: { authorization: basic() } });
    expect(r.status).toBe(200);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`${ctl.url}/`)).status).toBe(401);
  });
});
