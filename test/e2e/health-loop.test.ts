// /healthz knows the loop: with a provider whose list never answers, the controller's /healthz turns 503 after
// 3 CHECK_INTERVALs and back to 200 once the list answers again; the built controller (serve) with the Vast.ai fake
// hanging and LOOP_WATCHDOG_SECONDS set exits non-zero with one line, for systemd's Restart=on-failure.
import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderInstance } from '../../controller/src/domain/instance';
import { MemoryProvider, memoryInstance } from '../fakes/memory-provider';
import { startVastFake, vastInstance, type VastFake } from '../../controller/src/fake-world/vast-fake';
import { ensureBuilt } from '../helpers/build';
import { startTestController, waitFor, type TestController } from '../helpers/in-process-controller';
import { killAllControllers, spawnController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';

/** A provider whose list() can be made to hang until released: a provider API that stops answering. */
class HangingProvider extends MemoryProvider {
  private gate: Promise<void> | null = null;
  private release: (() => void) | null = null;
  hangs = 0;

  hang(): void {
    this.gate = new Promise((r) => (this.release = r));
  }

  answer(): void {
    this.release?.();
    this.gate = null;
  }

  override async list(): Promise<ProviderInstance[]> {
    if (this.gate !== null) {
      this.hangs++;
      await this.gate;
    }
    return super.list();
  }
}

interface Health {
  ok: boolean;
  lastCycleAt: string | null;
  providers: Record<string, { lastSuccessAt: string | null }>;
  error?: string;
}

let ctl: TestController | null = null;
let vast: VastFake | null = null;
const tmp = makeTempDir('co-e2e-health-');

afterAll(async () => {
  await ctl?.stop();
  killAllControllers();
  await vast?.close();
  tmp.cleanup();
});

async function health(url: string): Promise<{ status: number; body: Health }> {
  const r = await fetch(`${url}/healthz`);
  return { status: r.status, body: (await r.json()) as Health };
}

describe('/healthz and the optimizer loop', () => {
  it('turns 503 while a provider list hangs, and 200 again when it answers', async () => {
    const provider = new HangingProvider([memoryInstance('1')]);
    ctl = await startTestController({ CHECK_INTERVAL: '0.2', LOOP_WATCHDOG_SECONDS: '0' }, { providers: [provider], loop: true });
    const first = await waitFor(
      async () => {
        const h = await health(ctl!.url);
        return h.status === 200 && h.body.lastCycleAt !== null && h.body;
      },
      20_000,
      'a first cycle',
    );
    expect(first.providers.vast!.lastSuccessAt).not.toBeNull();
    expect(Date.parse(first.lastCycleAt!)).toBeGreaterThan(Date.now() - 60_000);

    provider.hang();
    const stalled = await waitFor(
      async () => {
        const h = await health(ctl!.url);
        return h.status === 503 && h.body;
      },
      20_000,
      '503 while the list hangs',
    );
    expect(provider.hangs).toBe(1);
    expect(stalled.ok).toBe(false);
    expect(stalled.error).toMatch(/no cycle finished for \d+ s/);

    provider.answer();
    const back = await waitFor(
      async () => {
        const h = await health(ctl!.url);
        return h.status === 200 && h.body;
      },
      20_000,
      '200 after the list answers',
    );
    expect(Date.parse(back.lastCycleAt!)).toBeGreaterThan(Date.parse(stalled.lastCycleAt!));
  });

  it('serve exits non-zero with one line when the loop stalls past LOOP_WATCHDOG_SECONDS', async () => {
    ensureBuilt();
    vast = await startVastFake({ instances: [vastInstance({ id: 901 })] });
    // Every list request hangs (the client's own timeout is 30 s, far beyond the watchdog's 2 s).
    vast.injectFault({ kind: 'hang', method: 'GET', times: 1000 });
    const c = await spawnController({
      dataDir: tmp.path,
      env: { VAST_API_KEY: vast.apiKey, VAST_API_URL: vast.url, CHECK_INTERVAL: '1', LOOP_WATCHDOG_SECONDS: '2' },
    });
    const code = await c.exited;
    expect(code).toBe(70);
    expect(c.output()).toMatch(/watchdog: the optimizer loop has not finished a cycle for \d+ s \(LOOP_WATCHDOG_SECONDS=2\)/);
  });
});
