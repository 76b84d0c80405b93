// Attack (or accident): the disk holding the database fills up. Below MIN_FREE_DISK_MB the controller stores no new
// samples and says why, so the agent keeps its batches and the engine sees a gap (which never pauses anything)
// instead of a half-written database. In-process controller on a real file system, real sockets; the floor is set
// above the free space of the test machine's disk.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../helpers/in-process-controller';
import { SimAgent } from '../sim-agent';

let ctl: TestController;
beforeAll(async () => {
  ctl = await startTestController({ MIN_FREE_DISK_MB: '1000000000' });
});
afterAll(async () => {
  await ctl.stop();
});

describe('disk guard', () => {
  it('refuses samples below the free-space floor with a clear error and stores nothing', async () => {
    const id = 'manual:disk-full';
    const agent = new SimAgent({ url: ctl.wsUrl, token: ctl.server.store.createToken(id, Date.now()), gpus: 1, intervalMs: 1000 });
    await agent.connect();
    const closed = agent.nextClose();
    const seq = agent.sendBatch(0);
    const c = await closed;
    expect(c.code).toBe(1013);
    expect(c.reason).toMatch(/disk below its free-space floor \(MIN_FREE_DISK_MB=1000000000\)/);
    expect(agent.ackedSeq).toBeLessThan(seq);
    // Nothing stored: the engine sees no sample, i.e. missing data, never idle evidence.
    expect(ctl.server.store.lastSample(id)).toBeNull();
    expect(ctl.server.store.recentSamples(id, 0)).toEqual([]);
    const errors = ctl.logs.filter((l) => / ERROR .*below MIN_FREE_DISK_MB/.test(l));
    expect(errors).toHaveLength(1);
    // A second agent's attempt does not log again (one line per transition, not per batch).
    const again = new SimAgent({ url: ctl.wsUrl, token: ctl.server.store.createToken('manual:disk-full-2', Date.now()), gpus: 1, intervalMs: 1000 });
    await again.connect();
    const closedAgain = again.nextClose();
    again.sendBatch(0);
    expect((await closedAgain).code).toBe(1013);
    expect(ctl.logs.filter((l) => / ERROR .*below MIN_FREE_DISK_MB/.test(l))).toHaveLength(1);
    await agent.close();
    await again.close();
  });
});
