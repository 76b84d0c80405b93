// Inventory retries are not stacked on the provider client's: one cycle's failed list costs the HTTP client's tries,
// not that many again per inventory attempt (with the old default of 3 attempts, three times as many requests).
import { afterEach, describe, expect, it } from 'vitest';
import { startVastFake, vastInstance, type VastFake } from '../fake-world/vast-fake';
import { createLogger } from '../log';
import { VastAiProvider } from '../providers/vast/vast-provider';
import { listAll } from './list-providers';

let vast: VastFake | null = null;
afterEach(async () => {
  await vast?.close();
  vast = null;
});

describe('inventory', () => {
  it("a provider answering 500 is asked only as often as its client's retry policy says, once per cycle", async () => {
    vast = await startVastFake({ instances: [vastInstance({ id: 7 })] });
    vast.injectFault({ kind: '500', method: 'GET', times: 1_000 });
    const provider = new VastAiProvider(vast.apiKey, {
      apiUrl: vast.url,
      minIntervalMs: { list: 0, show: 0, put: 0, destroy: 0 },
      retry: { maxRetries: 2, baseDelayMs: 1 },
    });
    const lines: string[] = [];
    const [outcome] = await listAll([provider], { logger: createLogger({ sink: (_l, line) => lines.push(line) }), baseDelayMs: 1 });
    expect(outcome).toMatchObject({ provider: 'vast', ok: false, attempts: 1 });
    // 1 try + 2 retries by the HTTP client, and nothing on top.
    expect(vast.requests.filter((r) => r.method === 'GET')).toHaveLength(3);
    expect(lines.filter((l) => l.includes('inventory vast: attempt'))).toHaveLength(1);
  });

  it('extra attempts, when asked for, still end on the first success', async () => {
    vast = await startVastFake({ instances: [vastInstance({ id: 7 })] });
    vast.injectFault({ kind: '500', method: 'GET', times: 1 });
    const provider = new VastAiProvider(vast.apiKey, {
      apiUrl: vast.url,
      minIntervalMs: { list: 0, show: 0, put: 0, destroy: 0 },
      retry: { maxRetries: 0, baseDelayMs: 1 },
    });
    const [outcome] = await listAll([provider], { logger: createLogger({ sink: () => {} }), attempts: 3, baseDelayMs: 1 });
    expect(outcome).toMatchObject({ provider: 'vast', ok: true, attempts: 2 });
  });
});
