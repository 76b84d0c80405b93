// Attack: a flood of agent upgrades with bad tokens from one address. Each used to cost a WARN line; now the address
// is answered 429 after its allowance and the burst is logged once. Several instances share one address (Vast.ai,
// TensorDock), so the flood must not lock out a valid agent from the same address: failures are throttled, never the
// token holder (before: the valid token got 429 for the rest of the minute). In-process controller, real sockets.
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
    // A good token from that address gets in at once: the neighbour's failures are not its failures.
    const good = ctl.server.store.createToken('manual:flood-victim', Date.now());
    expect(await attempt(good)).toBe(101);
    expect(ctl.server.ingest.stats().authFailures).toBe(60);
  });

  it('lets a valid agent back in while bad tokens keep flooding from its address', async () => {
    const good = ctl.server.store.createToken('manual:flood-neighbour', Date.now());
    const agent = new SimAgent({ url: ctl.wsUrl, token: good });
    await agent.connect();
    let flooding = true;
    const flood = (async () => {
      let n = 0;
      while (flooding) {
        await attempt(`co_${'y'.repeat(42)}${n++ % 10}`);
      }
    })();
    try {
      // The agent restarts in the middle of the flood, then comes and goes three more times: in at once each time.
      await agent.close();
      for (let i = 0; i < 3; i++) expect(await attempt(good)).toBe(101);
    } finally {
      flooding = false;
      await flood;
    }
    const lines = ctl.logs.filter((l) => / WARN .*refused/.test(l));
    // Still one line per burst from the address (the first test's burst has not ended either).
    expect(lines).toHaveLength(1);
  });
});
