// Attack: one agent token filling the disk with samples (measured before: 3,000 acknowledged batches of 64 GPUs in
// minutes, about 8 GB a day, after which the disk guard refused every agent's samples). Now a sample may report at
// most MAX_GPUS_PER_SAMPLE (16) GPUs, and each instance may add at most AGENT_SAMPLES_PER_HOUR samples per clock hour;
// past either the agent is told why. In-process controller with a small cap, real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol';
import { startTestController, type TestController, waitFor } from '../helpers/in-process-controller';
import { SimAgent } from '../sim-agent';

let ctl: TestController;
beforeAll(async () => {
  // The batch rate is left generous: only the hourly bound stops the flood.
  ctl = await startTestController({ AGENT_SAMPLES_PER_HOUR: '8', AGENT_BATCHES_PER_SECOND: '1000', AGENT_BATCH_BURST: '10000' });
});
afterAll(async () => {
  await ctl.stop();
});

describe('storage per token', () => {
  it('stores at most AGENT_SAMPLES_PER_HOUR samples of one instance an hour and tells the agent why the rest are refused', async () => {
    const flooder = new SimAgent({ url: ctl.wsUrl, token: ctl.server.store.createToken('manual:flooder', Date.now()), gpus: 16, intervalMs: 1000 });
    const honest = new SimAgent({ url: ctl.wsUrl, token: ctl.server.store.createToken('manual:honest', Date.now()), gpus: 1, intervalMs: 1000 });
    await flooder.connect();
    await honest.connect();
    const closed = flooder.nextClose();
    for (let i = 0; i < 50; i++) flooder.sendBatch(0);
    const c = await closed;
    expect(c.code).toBe(1013);
    expect(c.reason).toMatch(/^more than 8 samples this hour for this instance \(AGENT_SAMPLES_PER_HOUR\); keep them and retry after /);
    await waitFor(() => ctl.server.store.recentSamples('manual:flooder', 0).length === 8, 10_000, 'the allowance to be committed');
    expect(flooder.ackedSeq).toBeLessThan(50);
    // Another instance's agent is not affected by the flooder's bound.
    honest.sendBatch(5);
    await waitFor(() => ctl.server.store.recentSamples('manual:honest', 0).length === 1, 10_000, 'the honest batch');
    await flooder.close();
    await honest.close();
  });

  it('refuses a sample with more GPUs than a host can have, saying so', async () => {
    const wide = new SimAgent({ url: ctl.wsUrl, token: ctl.server.store.createToken('manual:wide', Date.now()), gpus: 64, intervalMs: 1000 });
    await wide.connect();
    const closed = wide.nextClose();
    wide.sendBatch(0);
    const c = await closed;
    expect(c.code).toBe(CloseCode.BadFrame);
    expect(c.reason).toBe('batch 1 reports 64 GPUs; a host has at most 16 (MAX_GPUS_PER_SAMPLE)');
    expect(ctl.server.store.recentSamples('manual:wide', 0)).toEqual([]);
  });
});
