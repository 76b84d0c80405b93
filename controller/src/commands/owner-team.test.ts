// The directory on the CLI: owner set / team set are taken, bad entries get one clear line, and report --by team
// lists the team with its spend. In-process, against a store in a temporary DATA_DIR.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryInstance } from '../../../test/fakes/memory-provider';
import { makeTempDir, type TempDir } from '../../../test/helpers/temp-dir';
import { dbPath, openStore } from '../store';
import { ownerCommand } from './owner';
import { reportCommand } from './report';
import { teamCommand } from './team';
import { tokenCommand } from './token';

let dir: TempDir;
beforeEach(() => {
  dir = makeTempDir();
  vi.stubEnv('DATA_DIR', dir.path);
});
afterEach(() => {
  vi.unstubAllEnvs();
  dir.cleanup();
});

async function cli(cmd: typeof ownerCommand, ...args: string[]) {
  let out = '';
  let err = '';
  const code = await cmd.run(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

describe('owner, team and report --by on the CLI', () => {
  it('takes owner set and team set, and report --by team lists the team with its spend', async () => {
    expect((await cli(ownerCommand, 'set', 'alice', '--slack', 'U0ALICE01', '--team', 'vision')).code).toBe(0);
    expect((await cli(teamCommand, 'set', 'vision', '--webhook', 'https://hooks.example.com/services/T/B/x', '--budget', '0.5')).code).toBe(0);
    expect((await cli(ownerCommand, 'set', 'alice', '--email', 'alice@example.com')).code).toBe(0);
    const list = await cli(ownerCommand, 'list', '--json');
    expect(JSON.parse(list.out)).toEqual({ owners: [{ name: 'alice', slack: 'U0ALICE01', email: 'alice@example.com', team: 'vision', source: 'api' }] });
    expect((await cli(teamCommand, 'list')).out).toMatch(/vision\s+\$0\.50/);

    const now = Date.now();
    const store = openStore(dbPath(dir.path));
    store.upsertInventory('vast', [memoryInstance('1', { labels: { label: '[owner=alice]' }, pricePerHour: 36 })], now - 3_600_000);
    store.spend.accrue(new Map([['vast:1', 36]]), now - 3_600_000);
    store.close();
    const r = await cli(reportCommand, '--by', 'team', '--json');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as { groups: { name: string; spendUsd: number; monthlyBudget: number }[] };
    expect(body.groups[0]).toMatchObject({ name: 'vision', monthlyBudget: 0.5 });
    expect(body.groups[0]!.spendUsd).toBeGreaterThan(35.9);
    expect((await cli(reportCommand, '--by', 'team')).out).toMatch(/^vision\s+1\s+\$36\.00/m);
  });

  it('refuses a bad member id, address or budget with one line naming it, and a token for a team', async () => {
    const bad = await cli(ownerCommand, 'set', 'bob', '--slack', 'bob');
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toContain('not a Slack member id');
    expect((await cli(ownerCommand, 'set', 'bob', '--email', 'bob@')).err).toContain('not an e-mail address');
    expect((await cli(teamCommand, 'set', 'x', '--budget', 'lots')).code).toBe(2);
    expect((await cli(reportCommand, '--by', 'cat')).code).toBe(2);
    const t = await cli(tokenCommand, 'create', '--join', '--team', 'vision');
    expect(t.code).toBe(0);
    expect(t.err).toContain('for team vision');
  });
});
