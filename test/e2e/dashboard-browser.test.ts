// The dashboard in a real browser: headless Debian Chromium driven by playwright-core, against the built controller
// (a real process) watching a Vast.ai fake fleet. Keeps a screenshot in test-artifacts/dashboard.png.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../support/parse-exposition';
import type { VastFake } from '../../controller/src/fake-world/vast-fake';
import { ROOT } from '../helpers/build';
import { CHROMIUM, launchChromium } from '../helpers/headless-chromium';
import { waitFor } from '../helpers/in-process-controller';
import { spawnAgent } from '../helpers/spawn-agent';
import type { SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { agentOnlyInstance, startVastRig, stopVastRig } from '../helpers/vast-rig';

const ADMIN = 'dashboard-admin-token-0123456789';
const tmp = makeTempDir('co-e2e-dash-');
let vast: VastFake;
let controller: SpawnedController;
let browser: Browser;

beforeAll(async () => {
  ({ vast, controller } = await startVastRig({
    dataDir: tmp.path,
    instances: [
      agentOnlyInstance({ id: 601, label: 'trainer', gpuName: 'RTX 4090', numGpus: 2 }),
      agentOnlyInstance({ id: 602, label: 'paused-notebook', state: 'stopped' }),
      agentOnlyInstance({ id: 603, label: 'customer [protect]', gpuName: 'A100 SXM4' }),
    ],
    env: { CHECK_INTERVAL: '1', ADMIN_TOKEN: ADMIN },
  }));
  const token = await controller.mintToken('vast:601');
  spawnAgent({ controllerWsUrl: controller.wsUrl, token, dir: tmp.path, name: 'trainer', state: { gpus: [{ util: 91 }, { util: 88 }] } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stopVastRig({ controller, vast, tmp });
});

describe('dashboard in Chromium', () => {
  it('shows the fleet, the paused instance as paused, and logs no console errors', async () => {
    expect(existsSync(CHROMIUM)).toBe(true);
    // Wait until the inventory has run and the agent's samples have arrived.
    await waitFor(
      async () => {
        const s = await fetch(`${controller.url}/api/status`, { headers: { authorization: `Bearer ${ADMIN}` } }).then(
          (x) => x.json() as Promise<{ instances: { id: string; lastSample: unknown }[] }>,
        );
        return s.instances.length === 3 && s.instances.find((i) => i.id === 'vast:601')?.lastSample ? s : false;
      },
      30_000,
      'inventory and samples',
    );

    // The page needs the admin token (HTTP Basic, any user name) once ADMIN_TOKEN is set.
    const denied = await fetch(`${controller.url}/`);
    expect(denied.status).toBe(401);
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN }, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    const res = await page.goto(`${controller.url}/`);
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.locator('#fleet tbody tr').count()).toBe(3);
    expect(await page.locator('tr[data-instance="vast:602"] .state').innerText()).toBe('paused');
    expect(await page.locator('tr[data-instance="vast:601"] .state').innerText()).toBe('running');
    expect(await page.locator('tr[data-instance="vast:603"]').innerText()).toContain('protected');
    expect(await page.locator('tr[data-instance="vast:601"] svg.spark path').count()).toBeGreaterThan(0);
    expect(await page.locator('#saved-total').innerText()).toMatch(/^\$\d/);
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts', 'dashboard.png'), fullPage: true });
    // Readable on a phone: the table scrolls inside its box, the page does not overflow sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(1);
    await page.screenshot({ path: join(ROOT, 'test-artifacts', 'dashboard-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('/metrics parses as Prometheus exposition and shows the fleet', async () => {
    const basic = 'Basic ' + Buffer.from(`prometheus:${ADMIN}`).toString('base64');
    const r = await fetch(`${controller.url}/metrics`, { headers: { authorization: basic } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    const samples = parsePrometheusText(await r.text());
    const state = (id: string, st: string) =>
      samples.find((s) => s.name === 'cost_optimizer_instance_state' && s.labels['instance'] === id && s.labels['state'] === st)?.value;
    expect(state('vast:602', 'stopped')).toBe(1);
    expect(state('vast:601', 'running')).toBe(1);
    expect(samples.find((s) => s.name === 'cost_optimizer_agents_connected')?.value).toBe(1);
    expect(samples.find((s) => s.name === 'cost_optimizer_ingest_batches_total')!.value).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'cost_optimizer_cycle_duration_seconds_count' && s.value >= 1)).toBe(true);
  });
});
