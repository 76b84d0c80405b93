// Attack: a token holder sends hours of back-dated idle batches in a burst (the agent chooses sentAt, and the
// controller shifts every batch by receive time - sentAt), hoping to make the instance pausable at once
// (docs/security.md, "Time you can trust"). Real processes and sockets: the built controller (serve) with the Vast.ai
// fake; the attacker speaks the real protocol over a real WebSocket (test/sim-agent.ts) with a fresh run.
// Proves: no pause comes sooner than a live idle agent connecting at the moment of the attack could cause one
// (window - max gap after it connected), and the live idle stream that follows still pauses it then: the rule delays
// forged history, not honest data. The other side, a real outage replay still counting, is proven by
// outage-replay.test.ts here, test/e2e/ingest-outage.test.ts and controller/src/ingest/ingest.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../protocol';
import type { VastFake } from '../../controller/src/fake-world/vast-fake';
import { waitFor } from '../helpers/in-process-controller';
import { getJson, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { agentOnlyInstance, COMPRESSED_TIMINGS, startVastRig, stopVastRig } from '../helpers/vast-rig';
import { gpuStatsFor, SimAgent } from '../sim-agent';

const ADMIN = 'security-test-admin-token-0123456789';
const WINDOW_MS = 30_000;
const MAX_GAP_MS = 3_000;
let vast: VastFake;
let controller: SpawnedController;
let tmp: ReturnType<typeof makeTempDir>;
let attacker: SimAgent | null = null;

beforeAll(async () => {
  tmp = makeTempDir('co-sec-backdated-');
  ({ vast, controller } = await startVastRig({
    dataDir: tmp.path,
    transitionMs: 200,
    instances: [agentOnlyInstance({ id: 901, label: 'watched-no-agent-yet' })],
    env: {
      ADMIN_TOKEN: ADMIN,
      ...COMPRESSED_TIMINGS,
      PAUSE_WINDOW_MINUTES: String(WINDOW_MS / 60_000),
      MAX_GAP_SECONDS: String(MAX_GAP_MS / 1000),
    },
  }));
});

afterAll(async () => {
  await attacker?.close();
  await stopVastRig({ controller, vast, tmp });
});

const api = <T>(path: string) => getJson<T>(controller.url + path, controller.adminHeaders());
const cycles = () => (controller.output().match(/cycle \d+:/g) ?? []).length;

describe('back-dated idle history', () => {
  it('hours of forged idle batches do not make the instance pausable before a live agent could', { timeout: 120_000 }, async () => {
    const token = await controller.mintToken('vast:901');
    // The controller has watched the instance running for more than a window (restart grace is over): only the
    // missing samples stand between it and a pause. Cycles are at least 1 s apart.
    await waitFor(() => cycles() >= WINDOW_MS / 1000 + 5, 90_000, 'a window of cycles');

    attacker = new SimAgent({ url: controller.wsUrl, token, gpus: 1, intervalMs: 1_000 });
    const attackAt = Date.now();
    await attacker.connect();
    // 8,640 batches of 2 s (each shorter than MAX_GAP_SECONDS, so each would count as idle): the last 4.8 hours, all
    // idle, all sent now with a fresh sentAt. With the production window (30 min, 180 s gap) 10-s batches do the same.
    const now = Date.now();
    const span = 8_640 * 2_000;
    for (let i = 0; i < 8_640; i++) {
      const t0 = now - span + i * 2_000;
      attacker.sendRaw(
        JSON.stringify({
          v: PROTOCOL_VERSION,
          type: 'batch',
          runId: attacker.runId,
          seq: ++attacker.seq,
          t0,
          t1: t0 + 2_000,
          sentAt: Date.now(),
          gpus: gpuStatsFor(1, 0),
          procs: 0,
          health: { state: 'ok' },
          dropped: 0,
        }),
      );
    }
    await waitFor(() => attacker!.ackedSeq >= 8_640, 60_000, 'the forged day acknowledged');
    // Then it streams idle live, as an honest idle agent connecting at attackAt would.
    const live = setInterval(() => attacker!.sendBatch(0), 500);
    try {
      const actions = await waitFor(
        async () => {
          const list = await api<{ instanceId: string; kind: string; status: string; at: string }[]>('/api/actions');
          const pause = list.find((a) => a.instanceId === 'vast:901' && a.kind === 'pause');
          return pause ?? false;
        },
        90_000,
        'a pause of vast:901',
      );
      // The pause came no sooner than an idle agent streaming live from the attack could have caused it.
      expect(Date.parse(actions.at) - attackAt).toBeGreaterThanOrEqual(WINDOW_MS - MAX_GAP_MS);
    } finally {
      clearInterval(live);
    }
    expect(controller.output()).toMatch(/vast:901 .*earliest time this connection can vouch for/);
  });
});
