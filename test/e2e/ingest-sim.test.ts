// End to end with the built controller as a real process: tokens from the CLI, two simulated agents streaming,
// samples in the SQLite file and in /api/status, the config-error contract and a graceful SIGTERM.
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol';
import { dbPath } from '../../controller/src/store/open-db';
import { CLI, ROOT, ensureBuilt } from '../helpers/build';
import { waitFor } from '../helpers/in-process-controller';
import { getJson, killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { SimAgent } from '../sim-agent';

const dir = makeTempDir('co-e2e-sim-');
const agents: SimAgent[] = [];
let ctl: SpawnedController;

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir.path, DATA_DIR: dir.path, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

beforeAll(async () => {
  ensureBuilt();
  ctl = await spawnController({ dataDir: dir.path });
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  killAllControllers();
  dir.cleanup();
});

type Status = { instances: { id: string; metricSource: string; lastSample: { util: number | null } | null }[] };

describe('controller process with simulated agents', () => {
  it('mints tokens with the CLI while the daemon runs, prints them once on stdout with the install line', () => {
    const r = cli(['token', 'create', 'manual:e2e-a']);
    expect(r.status).toBe(0);
    const [token, line, ...rest] = r.stdout.split('\n');
    expect(token).toMatch(/^co_[A-Za-z0-9_-]{43}$/);
    expect(line).toMatch(/^curl -fsS '.*\/install\.sh' \| AGENT_TOKEN='co_[A-Za-z0-9_-]{43}' sh -s -- --controller /);
    expect(line).toContain(token);
    expect(rest).toEqual(['']);
    expect(r.stderr).toContain('manual:e2e-a');
    expect(r.stderr).not.toContain(token);
    const bad = cli(['token', 'create', 'aws:1']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
  });

  it('stores what two agents stream, in SQLite and in /api/status', async () => {
    const tokenA = cli(['token', 'create', 'vast:e2e-1']).stdout.split('\n')[0]!;
    const tokenB = cli(['token', 'create', 'gcp:us-east1-b/e2e-2']).stdout.split('\n')[0]!;
    const a = new SimAgent({ url: ctl.wsUrl, token: tokenA, gpus: 8 });
    const b = new SimAgent({ url: ctl.wsUrl, token: tokenB, gpus: 4 });
    agents.push(a, b);
    await Promise.all([a.connect(), b.connect()]);
    for (let i = 0; i < 10; i++) {
      a.sendBatch(i < 5 ? 0 : 70);
      b.sendBatch([0, 0, null, 0]);
    }
    await Promise.all([a.waitForAck(10), b.waitForAck(10)]);

    const db = new Database(dbPath(dir.path), { readonly: true, fileMustExist: true });
    try {
      const rows = db
        .prepare(
          'SELECT i.id AS id, count(*) AS n, min(s.seq) AS lo, max(s.seq) AS hi FROM samples s JOIN instances i ON i.key = s.inst GROUP BY i.id ORDER BY i.id',
        )
        .all();
      expect(rows).toEqual([
        { id: 'gcp:us-east1-b/e2e-2', n: 10, lo: 1, hi: 10 },
        { id: 'vast:e2e-1', n: 10, lo: 1, hi: 10 },
      ]);
    } finally {
      db.close();
    }

    const status = await getJson<Status>(`${ctl.url}/api/status`, ctl.adminHeaders());
    const byId = Object.fromEntries(status.instances.map((i) => [i.id, i]));
    expect(byId['vast:e2e-1']).toMatchObject({ metricSource: 'agent', lastSample: { util: 70 } });
    // A GPU with unknown readings makes the sample unknown: util null, never 0.
    expect(byId['gcp:us-east1-b/e2e-2']).toMatchObject({ metricSource: 'agent', lastSample: { util: null } });
    const health = await fetch(`${ctl.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('refuses to start on a bad setting with one line naming the variable (exit 2)', () => {
    const r = cli(['serve'], { PORT: '0', PAUSE_THRESHOLD_GPU: 'ten' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('cost-optimizer: config error: PAUSE_THRESHOLD_GPU: expected a number, got "ten"\n');
    const loud = cli(['serve'], { PORT: '0', HOST: '0.0.0.0', ADMIN_TOKEN: 'too-short' });
    expect(loud.status).toBe(2);
    expect(loud.stderr).toMatch(/^cost-optimizer: config error: ADMIN_TOKEN: /);
  });

  it('prints help for the top level and each command', () => {
    expect(cli(['--help']).stdout).toMatch(/serve[\s\S]*token/);
    expect(cli(['serve', '--help']).stdout).toMatch(/^Usage: cost-optimizer serve/);
    expect(cli(['token', '--help']).stdout).toMatch(/^Usage: cost-optimizer token create/);
    expect(cli(['frobnicate']).status).toBe(2);
  });

  it('stops gracefully on SIGTERM: agents are told 1001 going away, exit code 0', async () => {
    const a = agents[0]!;
    const closed = a.nextClose();
    expect(await ctl.stop()).toBe(0);
    expect((await closed).code).toBe(CloseCode.GoingAway);
    expect(ctl.output()).toMatch(/SIGTERM received: shutting down[\s\S]*stopped/);
    await waitFor(() => !a.connected, 5_000, 'agent disconnected');
  });
});
