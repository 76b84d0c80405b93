import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../../test/helpers/temp-dir';
import { createLogger } from '../log';
import { ensureAdminToken, readAdminTokenFile } from './admin-credential';

let dir: TempDir | null = null;
afterEach(() => dir?.cleanup());

function logged() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ sink: (_l, line) => lines.push(line) }) };
}

describe('admin credential', () => {
  it('is generated once, 0600, reused on the next start, and only its place is logged', () => {
    dir = makeTempDir();
    const data = join(dir.path, 'data');
    expect(readAdminTokenFile(data)).toBeNull();
    const first = logged();
    const token = ensureAdminToken(data, first.logger);
    expect(token).toMatch(/^adm_[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(data, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(first.lines.join('\n')).toContain(join(data, 'admin-token'));
    expect(first.lines.join('\n')).not.toContain(token);
    expect(ensureAdminToken(data, logged().logger)).toBe(token);
    expect(readAdminTokenFile(data)).toBe(token);
  });

  it('tightens a file others can read', () => {
    dir = makeTempDir();
    writeFileSync(join(dir.path, 'admin-token'), 'restored-from-backup-0123456789\n');
    chmodSync(join(dir.path, 'admin-token'), 0o644);
    const l = logged();
    expect(ensureAdminToken(dir.path, l.logger)).toBe('restored-from-backup-0123456789');
    expect(statSync(join(dir.path, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(l.lines.some((x) => x.includes('was readable by others'))).toBe(true);
    expect(readFileSync(join(dir.path, 'admin-token'), 'utf8')).toBe('restored-from-backup-0123456789\n');
  });
});
