// Attack: one agent (a stolen token, or a broken agent) floods batches so the shared write queue fills and every
// other agent is closed with 1013 "server busy". Each agent now has its share of the queue: the flooder is slowed
// and then refused, the well-behaved agent keeps streaming. In-process controller with a small queue, real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../helpers/in-process-controller';
import { SimAgent } from '../sim-agent';

let ctl: TestController;
beforeAll(async () => {
  ctl = await startTestController({}, { ingest: { maxBatch: 10, maxQueue: 100, flushDelayMs: 5 } });
});
afterAll(async () => {
  await ctl.stop();
});

describe('write queue fairness', () => {
  it('one flooding agent does not get a well-behaved agent closed', async () => {
    const good = new SimAgent({ url: ctl.wsUrl, token: ctl.server.store.createToken('manual:good', Date.now()), gpus: 1, intervalMs: 100 });
    await good.connect();
    const floodToken = ctl.server.store.createToken('manual:flood', Date.now());
    let stop = false;
    let sent = 0;
    // The good agent sends a batch every few milliseconds while the flooder floods, round after round.
    const steady = (async () => {
      while (!stop) {
        good.sendBatch(50);
        sent++;
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    const flooderCloses: number[] = [];
    for (let round = 0; round < 15; round++) {
      const flooder = new SimAgent({ url: ctl.wsUrl, token: floodToken, gpus: 1, intervalMs: 100 });
      await flooder.connect();
      const closed = flooder.nextClose(30_000);
      for (let i = 0; i < 2_000; i++) flooder.sendBatch(0);
      flooderCloses.push((await closed).code);
    }
    stop = true;
    await steady;
    expect(good.closes).toEqual([]);
    await good.waitForAck(good.seq, 30_000);
    expect(good.connected).toBe(true);
    expect(good.ackedSeq).toBe(sent);
    // The flooder itself is what gets refused.
    expect(flooderCloses.every((c) => c === 1013)).toBe(true);
    await good.close();
  });
});
