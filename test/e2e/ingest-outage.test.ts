// The controller stops for 30 s while real agents (dist/agent.js with the fake nvidia-smi) keep sampling: they
// buffer, reconnect when it is back on the same port and replay; under the buffer bound nothing is lost, the
// batches taken during the outage are stored with their own times, and nothing is stored twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { dbPath } from '../../controller/src/store/open-db';
import { ensureBuilt } from '../helpers/build';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/in-process-controller';
import { isContiguousFromOne, storedSeqs } from '../helpers/sample-db';
import { killAllAgents, spawnAgent, type SpawnedAgent } from '../helpers/spawn-agent';
import { killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';

const OUTAGE_MS = 30_000;
const dir = makeTempDir('co-e2e-outage-');
let port: number;
let ctl: SpawnedController;
const agents: SpawnedAgent[] = [];

beforeAll(async () => {
  ensureBuilt();
  port = await freePort();
  ctl = await spawnController({ dataDir: dir.path, env: { PORT: String(port) } });
});
afterAll(() => {
  killAllAgents();
  killAllControllers();
  dir.cleanup();
});

function sampleTimes(instanceId: string): number[] {
  const db = new Database(dbPath(dir.path), { readonly: true });
  try {
    return db.prepare('SELECT s.t1 FROM samples s JOIN instances i ON i.key = s.inst WHERE i.id = ? ORDER BY s.t1').pluck().all(instanceId) as number[];
  } finally {
    db.close();
  }
}

describe('controller down for 30 s', () => {
  // 30 s down, then up to the agents' 30 s reconnect backoff cap: longer than the default test timeout.
  it('loses nothing the agents buffered', { timeout: 110_000 }, async () => {
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${ctl.url}/api/tokens`, {
        method: 'POST',
        headers: { ...ctl.adminHeaders(), 'content-type': 'application/json' },
        body: JSON.stringify({ instanceId: `manual:outage-${i}` }),
      });
      const { token } = (await r.json()) as { token: string };
      agents.push(spawnAgent({ controllerWsUrl: ctl.wsUrl, token, dir: dir.path, name: `outage-${i}`, state: { gpus: [{ util: 30 }, { util: 0 }] } }));
    }
    await waitFor(
      () => {
        const runs = storedSeqs(dir.path);
        return runs.length === 2 && runs.every((r) => r.seqs.length >= 3);
      },
      30_000,
      'agents streaming',
    );

    expect(await ctl.stop()).toBe(0);
    const before = new Map(storedSeqs(dir.path).map((r) => [r.runId, r.seqs.length]));
    const downFrom = Date.now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const downTo = Date.now();
    ctl = await spawnController({ dataDir: dir.path, env: { PORT: String(port) } });

    // At REPORT_INTERVAL_MS=300 the outage alone makes ~100 batches per agent; the bound (8640) is far away.
    const expectedDuring = Math.floor(OUTAGE_MS / 300) - 5;
    await waitFor(
      () => {
        const runs = storedSeqs(dir.path);
        return runs.length === 2 && runs.every((r) => r.seqs.length >= (before.get(r.runId) ?? 0) + expectedDuring + 3);
      },
      75_000,
      'agents caught up',
    );
    for (const r of storedSeqs(dir.path)) expect(isContiguousFromOne(r.seqs), `${r.instanceId}: gaps or duplicates`).toBe(true);
    for (const a of agents) expect(a.output()).not.toMatch(/dropped/i);
    for (let i = 0; i < 2; i++) {
      const during = sampleTimes(`manual:outage-${i}`).filter((t) => t > downFrom + 1_000 && t < downTo - 1_000);
      expect(during.length).toBeGreaterThanOrEqual(expectedDuring - 10);
    }
  });
});
