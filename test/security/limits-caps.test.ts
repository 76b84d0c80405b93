// Attack: exhausting the controller with connections, or with batches from one token. In-process controller with
// small caps, real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController, waitFor } from '../helpers/in-process-controller';
import { SimAgent } from '../sim-agent';

let ctl: TestController;
beforeAll(async () => {
  ctl = await startTestController({ MAX_AGENT_CONNECTIONS: '2', AGENT_BATCHES_PER_SECOND: '0.5', AGENT_BATCH_BURST: '5' });
});
afterAll(async () => {
  await ctl.stop();
});

const agent = (id: string) => new SimAgent({ url: ctl.wsUrl, token: ctl.server.store.createToken(id, Date.now()), gpus: 1, intervalMs: 1000 });

describe('connection and batch-rate caps', () => {
  it('refuses connections beyond MAX_AGENT_CONNECTIONS with 503, and takes one again when a slot frees', async () => {
    const a = agent('manual:cap-1');
    const b = agent('manual:cap-2');
    const c = agent('manual:cap-3');
    await a.connect();
    await b.connect();
    await expect(c.connect()).rejects.toMatchObject({ status: 503 });
    await a.close();
    await expect(c.connect()).resolves.toMatchObject({ type: 'welcome' });
    await b.close();
    await c.close();
  });

  it('closes an agent sending batches faster than its rate, after its burst, with the reason', async () => {
    const fast = agent('manual:fast');
    await fast.connect();
    const closed = fast.nextClose();
    for (let i = 0; i < 20; i++) fast.sendBatch(0);
    const c = await closed;
    expect(c.code).toBe(1013);
    expect(c.reason).toBe('batch rate above 0.5/s for this instance; retry later');
    // The burst was stored; the rest stays unacknowledged with the agent, for later.
    await waitFor(() => ctl.server.store.recentSamples('manual:fast', 0).length === 5, 10_000, 'the burst to be committed');
    expect(fast.ackedSeq).toBeLessThan(20);
    await fast.close();
  });
});
