// Where a CLI command's settings come from: --env-file, else the service's file, else .env; the environment over all.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../../test/helpers/temp-dir';
import { loadSettings } from './load-env';

let dir: TempDir;
afterEach(() => dir?.cleanup());

function layout() {
  dir = makeTempDir('co-load-env-');
  const cwd = join(dir.path, 'cwd');
  mkdirSync(cwd);
  const serviceFile = join(dir.path, 'controller.env');
  return { cwd, serviceFile, dotEnv: join(cwd, '.env'), explicit: join(dir.path, 'other.env') };
}

describe('loadSettings', () => {
  it('reads --env-file, and the environment wins over it', () => {
    const p = layout();
    writeFileSync(p.explicit, 'HOST=0.0.0.0\nPORT=9443\n');
    writeFileSync(p.serviceFile, 'PORT=1\n');
    const s = loadSettings({ envFile: p.explicit, cwd: p.cwd, serviceFile: p.serviceFile, env: { PORT: '8443' } });
    expect(s.file).toBe(p.explicit);
    expect(s.record).toMatchObject({ HOST: '0.0.0.0', PORT: '8443' });
  });

  it("reads the service's file when there is no --env-file, with the unit's DATA_DIR beneath it", () => {
    const p = layout();
    writeFileSync(p.serviceFile, 'HOST=0.0.0.0\n');
    writeFileSync(p.dotEnv, 'HOST=10.0.0.1\n');
    const s = loadSettings({ cwd: p.cwd, serviceFile: p.serviceFile, env: {} });
    expect(s.file).toBe(p.serviceFile);
    expect(s.record).toEqual({ HOST: '0.0.0.0', DATA_DIR: '/var/lib/cost-optimizer' });
    expect(s.notes.join('\n')).toContain(`${p.dotEnv} not read`);
    writeFileSync(p.serviceFile, 'DATA_DIR=/srv/co\n');
    expect(loadSettings({ cwd: p.cwd, serviceFile: p.serviceFile, env: {} }).record['DATA_DIR']).toBe('/srv/co');
    // The same file named with --env-file is the service's too.
    expect(loadSettings({ envFile: p.serviceFile, cwd: p.cwd, serviceFile: p.serviceFile, env: {} }).record['DATA_DIR']).toBe('/srv/co');
  });

  it('falls back to .env in the working directory, then to the environment alone', () => {
    const p = layout();
    writeFileSync(p.dotEnv, 'PORT=7000\n');
    const s = loadSettings({ cwd: p.cwd, serviceFile: p.serviceFile, env: { HOST: '127.0.0.2' } });
    expect(s.file).toBe(p.dotEnv);
    expect(s.record).toEqual({ PORT: '7000', HOST: '127.0.0.2' });
    expect(s.record['DATA_DIR']).toBeUndefined();
    const none = loadSettings({ cwd: p.serviceFile + '-none', serviceFile: p.serviceFile, env: { A: '1' } });
    expect(none).toEqual({ record: { A: '1' }, file: null, notes: [] });
  });

  it('refuses an --env-file that does not exist', () => {
    const p = layout();
    expect(() => loadSettings({ envFile: 'missing.env', cwd: p.cwd, serviceFile: p.serviceFile, env: {} })).toThrow(
      /--env-file: .*missing\.env does not exist/,
    );
  });

  it.skipIf(process.getuid?.() === 0)("says so when the service's file exists but this user cannot read it", () => {
    const p = layout();
    writeFileSync(p.serviceFile, 'HOST=0.0.0.0\n', { mode: 0o000 });
    const s = loadSettings({ cwd: p.cwd, serviceFile: p.serviceFile, env: {} });
    expect(s.file).toBeNull();
    expect(s.notes.join('\n')).toMatch(/cannot read .*controller\.env .*--env-file/);
  });
});
