import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../../test/helpers/temp-dir';
import { createLogger } from '../log';
import { dbPath, openStore, type Store } from '../store';
import { applyDirectoryFile, parseDirectoryText } from './directory-file';
import { setOwner } from './directory-service';

let dir: TempDir;
let store: Store;
const lines: string[] = [];
const logger = createLogger({ sink: (_l, line) => lines.push(line) });
beforeEach(() => {
  dir = makeTempDir();
  store = openStore(dbPath(dir.path));
  lines.length = 0;
});
afterEach(() => {
  store.close();
  dir.cleanup();
});

const YAML_TEXT = `owners:
  alice:
    slack: U0ALICE01
    team: vision
  bob: { email: bob@example.com, team: nlp }
teams:
  vision:
    webhook: https://hooks.example.com/services/T/B/x
    monthlyBudget: 500
    idle: 2h
  nlp: {}
`;

describe('DIRECTORY_FILE', () => {
  it('reads YAML and JSON', () => {
    const y = parseDirectoryText(YAML_TEXT, 'd.yaml');
    expect(y.errors).toEqual([]);
    expect(y.owners.map((o) => [o.name, o.team])).toEqual([
      ['alice', 'vision'],
      ['bob', 'nlp'],
    ]);
    expect(y.teams[0]).toMatchObject({ name: 'vision', monthlyBudget: 500, idleMinutes: 120 });
    const j = parseDirectoryText(JSON.stringify({ owners: { carol: { slack: 'W0CAROL' } } }), 'd.json');
    expect(j.owners).toEqual([{ name: 'carol', slack: 'W0CAROL', email: null, team: null }]);
  });

  it('a bad entry gets one error naming its line; the good ones still apply; a syntax error never throws', () => {
    const r = parseDirectoryText(`owners:\n  alice:\n    slack: U0ALICE01\n  bob:\n    slack: bob\n`, 'd.yaml');
    expect(r.owners.map((o) => o.name)).toEqual(['alice']);
    expect(r.errors).toEqual([expect.stringMatching(/^d\.yaml:5: owner bob: slack "bob" is not a Slack member id/)]);
    const bad = parseDirectoryText('owners: [unclosed', 'd.yaml');
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toMatch(/^d\.yaml:1: /);
  });

  it('wins for the names it lists, removes the names it no longer lists, and leaves CLI entries alone', () => {
    const path = join(dir.path, 'directory.yaml');
    expect(setOwner(store, 'dave', { slack: 'U0DAVE' }, 1).ok).toBe(true);
    expect(setOwner(store, 'alice', { slack: 'U0OLD' }, 1).ok).toBe(true);
    writeFileSync(path, YAML_TEXT);
    expect(applyDirectoryFile(store, path, logger, 2)).toEqual([]);
    expect(store.directory.getOwner('alice')).toMatchObject({ slack: 'U0ALICE01', source: 'file' });
    // The CLI can no longer change what the file gives.
    expect(setOwner(store, 'alice', { slack: 'U0NEW' }, 3)).toMatchObject({ ok: false, status: 409 });
    writeFileSync(path, `owners:\n  alice:\n    slack: nope\n`);
    expect(applyDirectoryFile(store, path, logger, 4)).toHaveLength(1);
    expect(lines.some((l) => l.includes('directory.yaml:3'))).toBe(true);
    // alice's bad entry leaves her stored one; bob and the teams left the file and are gone; dave (CLI) stays.
    expect(store.directory.listOwners().map((o) => [o.name, o.slack])).toEqual([
      ['alice', 'U0ALICE01'],
      ['dave', 'U0DAVE'],
    ]);
    expect(store.directory.listTeams()).toEqual([]);
    expect(applyDirectoryFile(store, join(dir.path, 'missing.yaml'), logger, 5)[0]).toMatch(/cannot read it/);
    expect(store.directory.listOwners()).toHaveLength(2);
  });
});
