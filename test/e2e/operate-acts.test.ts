// Acting where you look: resume, hold and release from the CLI, the HTTP API and the dashboard's buttons (headless
// Chromium), against the built controller (a real process) watching a Vast.ai fake, with a real webhook receiver.
// Each act must reach the provider fake or the hold table, land in the audit log with its actor, and be announced.
// A plain HTML form posted from another site must not act.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VastFake } from '../../controller/src/fake-world/vast-fake';
import { CLI, ROOT } from '../helpers/build';
import { launchChromium } from '../helpers/headless-chromium';
import { waitFor } from '../helpers/in-process-controller';
import type { SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { agentOnlyInstance, startVastRig, stopVastRig } from '../helpers/vast-rig';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const ADMIN = 'operate-admin-token-0123456789';
const PUBLIC_URL = 'https://co.example.test';
const tmp = makeTempDir('co-e2e-operate-');
let vast: VastFake;
let controller: SpawnedController;
let hook: WebhookReceiver;
let browser: Browser;
let evil: Server;
let evilUrl = '';

interface ActionRow {
  kind: string;
  status: string;
  actor: string;
  reason: string;
}

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${controller.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, ...(init.headers ?? {}) } });
const detail = async (id: string) =>
  (await (await api(`/api/instances/${encodeURIComponent(id)}`)).json()) as {
    instance: { hold: { until: number } | null; state: string };
    actions: ActionRow[];
  };
const startRequests = (id: number) =>
  vast.requests.filter((r) => r.method === 'PUT' && r.path === `/api/v0/instances/${id}/` && (r.json as { state?: string })?.state === 'running');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: tmp.path, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ADMIN_TOKEN: ADMIN, DATA_DIR: tmp.path + '/cli' } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  hook = await startWebhookReceiver();
  ({ vast, controller } = await startVastRig({
    dataDir: tmp.path,
    instances: [
      agentOnlyInstance({ id: 701, label: 'paused-notebook', state: 'stopped' }),
      agentOnlyInstance({ id: 702, label: 'render-farm-7', gpuName: 'RTX 4090', dphTotal: 0.45 }),
      agentOnlyInstance({ id: 703, label: 'paused-trainer', state: 'stopped' }),
      agentOnlyInstance({ id: 704, label: 'victim', state: 'stopped' }),
    ],
    env: { CHECK_INTERVAL: '1', ADMIN_TOKEN: ADMIN, WEBHOOK_URL: hook.url, PUBLIC_URL },
  }));
  // Another site, as an attacker would run it: a page that auto-submits a form to the controller.
  evil = createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><form id="f" method="POST" enctype="text/plain" action="${controller.url}/ui/instances/vast%3A704/resume">
      <input name='{"a":"' value='"}'></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.2', () => r()));
  evilUrl = `http://127.0.0.2:${(evil.address() as AddressInfo).port}/`;
  browser = await launchChromium();
  await waitFor(
    async () => {
      const s = (await (await api('/api/status')).json()) as { instances: unknown[] };
      return s.instances.length === 4;
    },
    30_000,
    'inventory',
  );
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (evil ? evil.close(() => r()) : r()));
  await stopVastRig({ controller, vast, hook, tmp });
});

describe('resume and hold from the CLI and the API', () => {
  it('cost-optimizer resume starts a paused instance at the provider, audited as cli and announced', async () => {
    const r = await cli(['resume', 'vast:701', '--url', controller.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(startRequests(701)).toHaveLength(1);
    const d = await detail('vast:701');
    expect(d.actions[0]).toMatchObject({ kind: 'resume', status: 'succeeded', actor: 'cli' });
    await waitFor(() => hook.texts.find((t) => t.includes('vast:701') && t.startsWith(':arrow_forward: Resumed')), 10_000, 'resume announcement');
    // GET /api/actions keeps docs/api.md's kinds: a resume is not listed there.
    const listed = (await (await api('/api/actions?instance=vast:701')).json()) as { kind: string }[];
    expect(listed.every((a) => ['pause', 'delete', 'warn'].includes(a.kind))).toBe(true);
  });

  it('refuses to resume an instance that is not paused (re-checked with the provider)', async () => {
    const res = await api('/api/instances/vast:702/resume', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toContain('running');
    expect(startRequests(702)).toHaveLength(0);
  });

  it('cost-optimizer hold --hours stores the hold; hold --release and release end it', async () => {
    const h = await cli(['hold', 'vast:702', '--hours', '2', '--url', controller.url]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('held until');
    const held = await detail('vast:702');
    expect(held.instance.hold).not.toBeNull();
    expect(held.actions[0]).toMatchObject({ kind: 'hold', actor: 'cli' });
    const rel = await cli(['hold', 'vast:702', '--release', '--url', controller.url]);
    expect(rel.code).toBe(0);
    expect((await detail('vast:702')).instance.hold).toBeNull();
    expect((await detail('vast:702')).actions[0]).toMatchObject({ kind: 'release', actor: 'cli' });
    const bad = await cli(['hold', 'vast:702', '--hours', 'two', '--url', controller.url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--hours: expected a positive number');
    // Through the API the actor is api.
    const res = await api('/api/instances/vast:702/hold', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hours: 1 }),
    });
    expect(res.status).toBe(200);
    expect((await detail('vast:702')).actions[0]).toMatchObject({ kind: 'hold', actor: 'api' });
    const r2 = await cli(['release', 'vast:702', '--url', controller.url]);
    expect(r2.code).toBe(0);
    await waitFor(() => hook.texts.find((t) => t.startsWith(':lock: Hold set on') && t.includes('render-farm-7')), 10_000, 'hold announcement');
  });
});

describe('dashboard buttons in Chromium', () => {
  it('hold 2 h, release and resume act, update the row, and are audited as dashboard', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN }, viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${controller.url}/`);
    const row = page.locator('tr[data-instance="vast:702"]');
    await row.locator('button[data-act="hold"][data-hours="2"]').click();
    await expect.poll(() => row.locator('.act-msg').innerText()).toContain('held until');
    expect(await row.locator('button[data-act="release"]').isEnabled()).toBe(true);
    const held = await detail('vast:702');
    expect(held.instance.hold).not.toBeNull();
    expect(held.actions[0]).toMatchObject({ kind: 'hold', actor: 'dashboard' });
    const until = Date.parse(String(held.instance.hold!.until));
    expect(until - Date.now()).toBeGreaterThan(1.9 * 3_600_000);
    expect(until - Date.now()).toBeLessThan(2.1 * 3_600_000);

    await row.locator('button[data-act="release"]').click();
    await expect.poll(() => row.locator('.act-msg').innerText()).toContain('hold released');
    expect(await row.locator('button[data-act="release"]').isDisabled()).toBe(true);
    expect((await detail('vast:702')).instance.hold).toBeNull();

    // A running instance has no resume button to press; a paused one does.
    expect(await row.locator('button[data-act="resume"]').isDisabled()).toBe(true);
    const paused = page.locator('tr[data-instance="vast:703"]');
    await paused.locator('button[data-act="resume"]').click();
    await expect.poll(() => paused.locator('.act-msg').innerText()).toContain('resume requested');
    expect(await paused.locator('.state').innerText()).toBe('starting');
    expect(await paused.locator('button[data-act="resume"]').isDisabled()).toBe(true);
    expect(startRequests(703)).toHaveLength(1);
    expect((await detail('vast:703')).actions[0]).toMatchObject({ kind: 'resume', status: 'succeeded', actor: 'dashboard' });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a plain HTML form posted from another site does not act, even for a logged-in browser', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN } });
    const page = await context.newPage();
    const answered = page.waitForResponse((r) => r.url().includes('/ui/instances/'), { timeout: 15_000 });
    await page.goto(evilUrl);
    const res = await answered;
    expect(res.status()).toBe(403);
    expect(startRequests(704)).toHaveLength(0);
    expect((await detail('vast:704')).actions).toHaveLength(0);
    await context.close();
    // Nor does a request with JSON and the right Origin but no page token.
    const noToken = await fetch(`${controller.url}/ui/instances/vast%3A704/resume`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(`a:${ADMIN}`).toString('base64'), 'content-type': 'application/json', origin: controller.url },
      body: '{}',
    });
    expect(noToken.status).toBe(403);
    expect(startRequests(704)).toHaveLength(0);
  });
});

void ROOT;
