// Spend accrues at the provider's running and storage prices across restarts, and a team's budget alert reaches its
// webhook and the global one within a cycle, once. Real HTTP receivers; only the provider is faked.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryProvider, memoryInstance } from '../../../test/fakes/memory-provider';
import { parseConfig } from '../config/config';
import { silentLogger } from '../log';
import { CostOptimizer } from '../compose/cost-optimizer';
import { openStore } from '../store';
import { setTeam } from './directory-service';

const T0 = Date.parse('2026-11-10T00:00:00Z');
const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

async function receiver(): Promise<{ url: string; texts: string[] }> {
  const texts: string[] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      texts.push((JSON.parse(data) as { text: string }).text);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, texts };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'co-spend-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('spend and budgets', () => {
  it('integrates the running price while running and the storage price while stopped, kept across a restart', async () => {
    const dir = tempDir();
    const config = parseConfig({ DATA_DIR: dir, PAUSE_WARNING_MINUTES: '0' });
    const vast = new MemoryProvider([memoryInstance('1', { pricePerHour: 2, stoppedPricePerHour: 0.1 })]);
    let now = T0;
    const run = async (t: number) => {
      now = t;
      const store = openStore(join(dir, 'co.db'));
      const opt = new CostOptimizer(config, { store, now: () => now, sshPoller: null, logger: silentLogger });
      opt.addProvider('vast', vast);
      await opt.runOnce();
      await opt.close();
      store.close();
    };
    await run(T0);
    await run(T0 + 3_600_000); // one hour running: $2
    vast.instances.get('1')!.state = 'stopped';
    await run(T0 + 7_200_000); // one more hour at $2 (the rate in force until this sighting)
    await run(T0 + 10_800_000); // one hour stopped: $0.10
    const store = openStore(join(dir, 'co.db'));
    cleanup.push(() => store.close());
    const total = store.spend.daysSince('2026-11-01', T0 + 10_800_000).reduce((s, r) => s + r.usd, 0);
    expect(total).toBeCloseTo(4.1, 6);
  });

  it('a team with a $0.50 budget and an H200 at $36/h gets one budget alert on its webhook and the global one', async () => {
    const global = await receiver();
    const team = await receiver();
    const dir = tempDir();
    const config = parseConfig({ DATA_DIR: dir, PAUSE_WARNING_MINUTES: '0', WEBHOOK_URL: global.url });
    const store = openStore(join(dir, 'co.db'));
    expect(setTeam(store, 'vision', { webhook: team.url, monthlyBudget: 0.5 }, T0).ok).toBe(true);
    let now = T0;
    const opt = new CostOptimizer(config, { store, now: () => now, sshPoller: null, logger: silentLogger });
    cleanup.push(() => {
      void opt.close();
      store.close();
    });
    const vast = new MemoryProvider([
      memoryInstance('1', { name: 'big [team=vision]', gpuName: 'H200', pricePerHour: 36 }),
      memoryInstance('2', { name: 'other', pricePerHour: 36 }),
    ]);
    opt.addProvider('vast', vast);
    for (let k = 0; k < 6; k++) {
      now = T0 + k * 20_000;
      await opt.runOnce();
    }
    await opt.notifications.flush(10_000);
    const alerts = (texts: string[]) => texts.filter((t) => t.includes('Team *vision*'));
    expect(alerts(team.texts).length).toBeGreaterThanOrEqual(1);
    expect(alerts(global.texts)).toEqual(alerts(team.texts));
    // The forecast passes at once, 80 % ($0.40 at $0.01/s) after 40 s, 100 % after 60 s: one message per threshold,
    // never repeated by the later cycles.
    expect(alerts(team.texts).map((t) => t.split(' ')[0])).toEqual([':chart_with_upwards_trend:', ':warning:', ':rotating_light:']);
    expect(alerts(team.texts)[1]).toContain('*big [team=vision]* (vast:1)');
    expect(team.texts.some((t) => t.includes('vast:2'))).toBe(false);
    expect(vast.instances.get('1')!.state).toBe('running');
  });
});
