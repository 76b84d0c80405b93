// Rolling upgrades and kept tokens at the controller's door, against the real ingest: an agent of protocol 1 is
// answered in protocol 1 and its batches stored; protocol 2 batches carry host activity and inhibitions into the
// stored samples; an agent whose claimed instance contradicts its token is refused before the one-voice rule.
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../../test/helpers/in-process-controller';
import { SimAgent } from '../../../test/sim-agent';

let ctl: TestController;
const agents: SimAgent[] = [];

beforeAll(async () => {
  ctl = await startTestController({}, { ingest: { pingIntervalMs: 200, probeTimeoutMs: 300 } });
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
});
afterAll(async () => {
  await ctl.stop();
});

function agentFor(instanceId: string, opts: Partial<ConstructorParameters<typeof SimAgent>[0]> = {}): { a: SimAgent; token: string } {
  const token = ctl.server.store.createToken(instanceId, Date.now());
  const a = new SimAgent({ url: ctl.wsUrl, token, gpus: 1, ...opts });
  agents.push(a);
  return { a, token };
}

function upgradeStatus(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(ctl.wsUrl, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('upgrade was accepted'));
    });
    ws.on('error', () => undefined);
  });
}

describe('protocol versions', () => {
  it('answers an agent of protocol 1 in protocol 1 (welcome and acks) and stores its batches', async () => {
    const { a } = agentFor('manual:old-agent', { helloOverrides: { v: 1 } });
    const welcome = await a.connect();
    expect(welcome.v).toBe(1);
    const seq = a.sendBatch(50, { v: 1 });
    await a.waitForAck(seq);
    expect(ctl.server.store.recentSamples('manual:old-agent', 0).map((s) => s.utilMax)).toEqual([50]);
  });

  it('stores the host activity and the oldest inhibition of a protocol 2 batch', async () => {
    const { a } = agentFor('manual:new-agent');
    const welcome = await a.connect();
    expect(welcome.v).toBe(2);
    const now = Date.now();
    const seq = a.sendBatch(0, {
      host: { netMBs: 61.5, diskMBs: null, cpuPct: 3.2 },
      inhibitions: [
        { why: 'dataset download', pid: 4242, since: now - 12 * 60_000, until: now + 3_600_000 },
        { why: 'later', pid: 4243, since: now - 60_000, until: now + 3_600_000 },
      ],
    });
    await a.waitForAck(seq);
    const [s] = ctl.server.store.recentSamples('manual:new-agent', 0);
    expect(s!.host).toEqual({ netMBs: 61.5, diskMBs: null, cpuPct: 3.2 });
    expect(s!.inhibit).toMatchObject({ why: 'dataset download', pid: 4242, count: 2 });
    expect(Math.abs(s!.inhibit!.since - (now - 12 * 60_000))).toBeLessThan(5_000);
  });

  it('refuses a batch whose version differs from the one the welcome chose', async () => {
    const { a } = agentFor('manual:mixed', { helloOverrides: { v: 1 } });
    await a.connect();
    const closed = new Promise<number>((resolve) => a.ws!.once('close', (code) => resolve(code)));
    a.sendBatch(0, { v: 2 });
    expect(await closed).toBe(4400);
  });
});

describe('a kept token belongs to its instance', () => {
  it('refuses an agent that says it runs on another instance than its token names, once logged, without a contest', async () => {
    const { a, token } = agentFor('vast:9001');
    await a.connect();
    const copy = { authorization: `Bearer ${token}`, 'x-cost-optimizer-instance': 'vast:9002' };
    expect(await upgradeStatus(copy)).toBe(403);
    expect(await upgradeStatus(copy)).toBe(403);
    expect(ctl.server.ingest.contested('vast:9001')).toBeNull();
    expect(ctl.logs.filter((l) => l.includes('holds the token of vast:9001 but says it runs on vast:9002'))).toHaveLength(1);
    expect(ctl.server.ingest.isConnected('vast:9001')).toBe(true);
    // The rightful agent, naming its own instance, is let through as before (after its own connection closes).
    await a.close();
    const again = new SimAgent({ url: ctl.wsUrl, token, gpus: 1 });
    agents.push(again);
    expect((await again.connect()).instanceId).toBe('vast:9001');
  });
});
