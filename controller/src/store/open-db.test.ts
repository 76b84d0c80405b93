// The database's files are the controller's alone, whatever the umask: DATA_DIR created 0700, the file, its WAL and
// its shared-memory file 0600.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/helpers/temp-dir';
import { dbPath, openDb } from './open-db';

const dirs: { cleanup(): void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

describe('openDb', () => {
  it('creates DATA_DIR 0700 and the database files 0600 even under a permissive umask', () => {
    const tmp = makeTempDir('co-open-db-');
    dirs.push(tmp);
    const dataDir = join(tmp.path, 'data');
    const old = process.umask(0o000);
    try {
      const db = openDb(dbPath(dataDir));
      db.prepare('CREATE TABLE IF NOT EXISTS t (x)').run();
      db.prepare('INSERT INTO t VALUES (1)').run();
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      for (const suffix of ['', '-wal', '-shm']) expect(statSync(dbPath(dataDir) + suffix).mode & 0o777, suffix || 'db').toBe(0o600);
      db.close();
    } finally {
      process.umask(old);
    }
  });
});
