// kill -9 of the controller while agents stream: every batch it acknowledged is in the database, and after a
// restart on the same port the agents (simulated ones and real dist/agent.js processes) catch up by replay,
// with no gap and no duplicate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/in-process-controller';
import { isContiguousFromOne, storedSeqs } from '../helpers/sample-db';
import { killAllAgents, spawnAgent, type SpawnedAgent } from '../helpers/spawn-agent';
import { killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { SimAgent } from '../sim-agent';

const dir = makeTempDir('co-e2e-crash-');
let port: number;
let ctl: SpawnedController;
const sims: SimAgent[] = [];
const real: SpawnedAgent[] = [];
let pump: NodeJS.Timeout | undefined;

beforeAll(async () => {
  ensureBuilt();
  port = await freePort();
  ctl = await spawnController({ dataDir: dir.path, env: { PORT: String(port) } });
});
afterAll(async () => {
  clearInterval(pump);
  await Promise.all(sims.map((s) => s.close()));
  killAllAgents();
  killAllControllers();
  dir.cleanup();
});

describe('controller killed with SIGKILL while agents stream', () => {
  it('loses no acknowledged batch and the agents catch up after a restart', async () => {
    for (let i = 0; i < 3; i++) {
      const s = new SimAgent({ url: ctl.wsUrl, token: await ctl.mintToken(`manual:sim-${i}`), gpus: 8, autoReconnect: true, reconnectDelayMs: 100 });
      sims.push(s);
      await s.connect();
    }
    for (let i = 0; i < 2; i++) {
      real.push(
        spawnAgent({
          controllerWsUrl: ctl.wsUrl,
          token: await ctl.mintToken(`manual:real-${i}`),
          dir: dir.path,
          name: `real-${i}`,
          state: { gpus: [{ util: 20 * i }, { util: 5 }] },
        }),
      );
    }
    // Each simulated agent sends a batch every 20 ms, whether or not the controller is there (it buffers).
    pump = setInterval(() => sims.forEach((s, i) => s.sendBatch(i * 10)), 20);
    await waitFor(() => sims.every((s) => s.ackedSeq >= 20), 30_000, 'simulated agents streaming');
    await waitFor(
      () =>
        storedSeqs(dir.path)
          .filter((r) => r.instanceId.startsWith('manual:real-'))
          .every((r) => r.seqs.length >= 3) && storedSeqs(dir.path).filter((r) => r.instanceId.startsWith('manual:real-')).length === 2,
      30_000,
      'real agents streaming',
    );

    expect(await ctl.kill9()).toBe('SIGKILL');
    const ackedAtKill = sims.map((s) => s.ackedSeq);
    const afterKill = storedSeqs(dir.path);
    for (const [i, s] of sims.entries()) {
      const run = afterKill.find((r) => r.runId === s.runId)!;
      // Everything acknowledged is on disk, in order, once.
      expect(run.seqs.slice(0, ackedAtKill[i]!)).toEqual(Array.from({ length: ackedAtKill[i]! }, (_, k) => k + 1));
    }
    const realBefore = new Map(afterKill.filter((r) => r.instanceId.startsWith('manual:real-')).map((r) => [r.runId, r.seqs.length]));

    // Back on the same port, same database.
    ctl = await spawnController({ dataDir: dir.path, env: { PORT: String(port) } });
    await waitFor(() => sims.every((s) => s.connected && s.ackedSeq > ackedAtKill[sims.indexOf(s)]! + 10), 60_000, 'simulated agents replayed');
    clearInterval(pump);
    await Promise.all(sims.map((s) => s.waitForAck(s.seq, 30_000)));
    await waitFor(
      () => {
        const runs = storedSeqs(dir.path).filter((r) => r.instanceId.startsWith('manual:real-'));
        return runs.length === 2 && runs.every((r) => r.seqs.length >= (realBefore.get(r.runId) ?? 0) + 5);
      },
      60_000,
      'real agents replayed',
    );

    const final = storedSeqs(dir.path);
    for (const s of sims) {
      const run = final.find((r) => r.runId === s.runId)!;
      expect(run.seqs.length).toBe(s.seq);
      expect(isContiguousFromOne(run.seqs)).toBe(true);
    }
    const realRuns = final.filter((r) => r.instanceId.startsWith('manual:real-'));
    // One run per agent process (they were not restarted), every batch from 1 up, none twice.
    expect(realRuns.map((r) => r.instanceId).sort()).toEqual(['manual:real-0', 'manual:real-1']);
    for (const r of realRuns) expect(isContiguousFromOne(r.seqs), `${r.instanceId}: ${r.seqs.join(',')}`).toBe(true);
  });
});
