// An agent given several controller URLs (CONTROLLER_URL=a,b: replicas) finds the one that answers: real controller
// processes and a real dist/agent.js with the fake nvidia-smi. A dead first URL is skipped; a first controller killed
// with SIGKILL mid-stream is left for the second, and the batches it never acknowledged are replayed there, so the
// two databases together hold every batch from 1 up. The two controllers hold copies of one database (the same agent
// tokens), as replicas of one store would.
import { cpSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/in-process-controller';
import { isContiguousFromOne, storedSeqs } from '../helpers/sample-db';
import { killAllAgents, spawnAgent } from '../helpers/spawn-agent';
import { killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';

const dirA = makeTempDir('co-e2e-failover-a-');
const dirB = makeTempDir('co-e2e-failover-b-');
const work = makeTempDir('co-e2e-failover-agents-');
let a: SpawnedController;
let b: SpawnedController;
const tokens = new Map<string, string>();

const seqsOf = (dir: string, instanceId: string) => storedSeqs(dir).filter((r) => r.instanceId === instanceId);

beforeAll(async () => {
  ensureBuilt();
  // Tokens minted once, then the database copied: both controllers accept them.
  const first = await spawnController({ dataDir: dirA.path });
  for (const id of ['manual:fo-dead-first', 'manual:fo-killed']) tokens.set(id, await first.mintToken(id));
  await first.stop();
  cpSync(dirA.path, dirB.path, { recursive: true });
  a = await spawnController({ dataDir: dirA.path });
  b = await spawnController({ dataDir: dirB.path });
}, 120_000);

afterAll(() => {
  killAllAgents();
  killAllControllers();
  for (const d of [dirA, dirB, work]) d.cleanup();
});

describe('agent with several controller URLs', () => {
  it('skips a first URL where nothing listens and streams to the second', async () => {
    const dead = await freePort();
    const agent = spawnAgent({
      controllerWsUrl: `ws://127.0.0.1:${dead}/agent,${b.wsUrl}`,
      token: tokens.get('manual:fo-dead-first')!,
      dir: work.path,
      name: 'dead-first',
    });
    await waitFor(() => seqsOf(dirB.path, 'manual:fo-dead-first').some((r) => r.seqs.length >= 3), 60_000, 'batches stored by the second controller');
    expect(agent.output()).toContain(`connected to the controller as manual:fo-dead-first via ${b.wsUrl}`);
    expect(agent.output()).toContain(`controller link down (ws://127.0.0.1:${dead}/agent)`);
    const [run] = seqsOf(dirB.path, 'manual:fo-dead-first');
    expect(isContiguousFromOne(run!.seqs)).toBe(true);
    await agent.stop();
  }, 90_000);

  it('moves to the second controller when the first is killed, replaying what the first never acknowledged', async () => {
    const agent = spawnAgent({ controllerWsUrl: `${a.wsUrl},${b.wsUrl}`, token: tokens.get('manual:fo-killed')!, dir: work.path, name: 'killed' });
    await waitFor(() => seqsOf(dirA.path, 'manual:fo-killed').some((r) => r.seqs.length >= 5), 60_000, 'batches stored by the first controller');
    expect(await a.kill9()).toBe('SIGKILL');
    const [onA] = seqsOf(dirA.path, 'manual:fo-killed');
    const lastOnA = Math.max(...onA!.seqs);
    await waitFor(
      () => seqsOf(dirB.path, 'manual:fo-killed').some((r) => r.runId === onA!.runId && Math.max(...r.seqs) >= lastOnA + 5),
      60_000,
      'the same run streaming to the second controller',
    );
    expect(agent.output()).toContain(`via ${b.wsUrl}`);
    await agent.stop();
    // Together the two databases hold every batch of the run from 1 up: nothing the first never acknowledged was lost.
    const onB = seqsOf(dirB.path, 'manual:fo-killed').find((r) => r.runId === onA!.runId)!;
    const all = [...new Set([...onA!.seqs, ...onB.seqs])].sort((x, y) => x - y);
    expect(isContiguousFromOne(all), all.join(',')).toBe(true);
    expect(Math.min(...onB.seqs)).toBeLessThanOrEqual(lastOnA + 1);
  }, 120_000);
});
