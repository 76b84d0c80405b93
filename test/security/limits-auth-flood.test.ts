// Attack: a flood of agent upgrades with bad tokens from one address. Each used to cost a token lookup and a WARN
// line; now the address is answered 429 after its allowance and the burst is logged once. In-process controller,
// real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../helpers/in-process-controller';
import { SimAgent } from '../sim-agent';

let ctl: TestController;
beforeAll(async () => {
  ctl = await startTestController({ AUTH_FAILURES_PER_MINUTE: '10' });
});
afterAll(async () => {
  await ctl.stop();
});

async function attempt(token: string): Promise<number> {
  const a = new SimAgent({ url: ctl.wsUrl, token });
  try {
    await a.connect();
    await a.close();
    return 101;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
}

describe('failed agent authentication', () => {
  it('is rate-limited per address and logged once per burst', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push(await attempt(`co_${'x'.repeat(43)}`));
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
    const refusals = ctl.logs.filter((l) => / WARN .*refused/.test(l) && l.includes('127.0.0.1'));
    expect(refusals).toHaveLength(1);
    // Even a good token is answered 429 from that address until the minute is over: no token lookup at all.
    const good = ctl.server.store.createToken('manual:flood-victim', Date.now());
    expect(await attempt(good)).toBe(429);
    expect(ctl.server.ingest.stats().authFailures).toBe(61);
  });
});
