// Control socket directory: short, private, stable, and not fooled by a planted symlink.
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_CONTROL_DIR_LENGTH, resolveControlDir } from './control-dir';

const root = mkdtempSync(join(tmpdir(), 'cd-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveControlDir', () => {
  it('uses <DATA_DIR>/ssh, private, when the path is short', () => {
    const data = join(root, 'd');
    const cd = resolveControlDir(data, root);
    expect(cd).toEqual({ dir: join(data, 'ssh'), fallback: false });
    expect(statSync(cd.dir).mode & 0o777).toBe(0o700);
  });

  it('falls back to a stable private directory under the tmp root when DATA_DIR is too long for a socket path', () => {
    const data = join(root, 'x'.repeat(MAX_CONTROL_DIR_LENGTH));
    const a = resolveControlDir(data, root);
    expect(a.fallback).toBe(true);
    expect(a.dir.length).toBeLessThanOrEqual(MAX_CONTROL_DIR_LENGTH);
    expect(a.dir.startsWith(root)).toBe(true);
    expect(statSync(a.dir).mode & 0o777).toBe(0o700);
    expect(resolveControlDir(data, root).dir).toBe(a.dir); // same after a restart
    expect(resolveControlDir(data + 'y', root).dir).not.toBe(a.dir);
    expect(existsSync(join(data, 'ssh'))).toBe(false);
  });

  it('falls back when DATA_DIR has characters ssh would rewrite', () => {
    expect(resolveControlDir(join(root, 'a b'), root).fallback).toBe(true);
    expect(resolveControlDir(join(root, 'a%b'), root).fallback).toBe(true);
  });

  it('refuses a symlink planted where the directory should be', () => {
    const data = join(root, 'y'.repeat(MAX_CONTROL_DIR_LENGTH));
    const planted = resolveControlDir(data, root).dir;
    rmSync(planted, { recursive: true });
    mkdirSync(join(root, 'elsewhere'));
    symlinkSync(join(root, 'elsewhere'), planted);
    expect(() => resolveControlDir(data, root)).toThrow(/not a directory/);
  });
});
