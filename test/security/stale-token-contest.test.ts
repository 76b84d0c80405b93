// Attack: an enrolment grant (or a revoke) replaced an instance's token, e.g. a neighbour on a shared address claimed
// the instance while its real agent was away; the real agent comes back with the superseded token. Before, that was
// a 401 and nothing else: no WARN, no notification, and the newcomer's idle readings counted. Now the knock is a
// contest: the instance is contested (no agent's idle evidence counts), with one WARN line naming both addresses.
// In-process controller, real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../helpers/in-process-controller';
import { SimAgent } from '../sim-agent';

let ctl: TestController;
beforeAll(async () => {
  ctl = await startTestController();
});
afterAll(async () => {
  await ctl.stop();
});

describe('a superseded token knocking again', () => {
  it('is a contest: the instance is contested and the operator is told, naming both addresses', async () => {
    const store = ctl.server.store;
    const old = store.createToken('manual:superseded', Date.now());
    // The grant revokes the old token and mints the newcomer's.
    const newer = store.grantEnrolment('manual:superseded', Date.now());
    const newcomer = new SimAgent({ url: ctl.wsUrl, token: newer, gpus: 1, intervalMs: 1000 });
    await newcomer.connect();
    expect(ctl.server.ingest.contested('manual:superseded')).toBeNull();

    const real = new SimAgent({ url: ctl.wsUrl, token: old, gpus: 1, intervalMs: 1000 });
    await expect(real.connect()).rejects.toMatchObject({ status: 401 });
    const c = ctl.server.ingest.contested('manual:superseded');
    expect(c).not.toBeNull();
    expect(c!.until).toBeGreaterThan(Date.now());
    expect(c!.addresses).toHaveLength(2);
    const warns = ctl.logs.filter((l) => / WARN /.test(l) && l.includes('manual:superseded') && l.includes('no longer valid'));
    expect(warns).toHaveLength(1);
    for (const a of c!.addresses) expect(warns[0]).toContain(a);
    // ... and the notifier gets it (logged at debug here, as no WEBHOOK_URL is set).
    expect(ctl.logs.some((l) => l.includes('notification') && l.includes('manual:superseded') && l.includes('no longer valid'))).toBe(true);
    // A second knock extends the episode without another line.
    await expect(real.connect()).rejects.toMatchObject({ status: 401 });
    expect(ctl.logs.filter((l) => / WARN /.test(l) && l.includes('no longer valid'))).toHaveLength(1);
    await newcomer.close();
  });

  it('an unknown token is no contest', async () => {
    const stranger = new SimAgent({ url: ctl.wsUrl, token: `co_${'q'.repeat(43)}`, gpus: 1 });
    await expect(stranger.connect()).rejects.toMatchObject({ status: 401 });
    expect(ctl.logs.filter((l) => / WARN /.test(l) && l.includes('no longer valid'))).toHaveLength(1);
  });
});
