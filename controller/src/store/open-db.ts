// Opens the SQLite file with the settings the controller relies on (WAL, durability, busy timeout) and migrates it.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { migrate } from './migrate';
import { PgDatabase } from './sql/pg-database';

export const DB_FILE_NAME = 'cost-optimizer.db';

/** Where the database lives inside DATA_DIR. */
export function dbPath(dataDir: string): string {
  return join(dataDir, DB_FILE_NAME);
}

export type Synchronous = 'FULL' | 'NORMAL';

export interface OpenDbOptions {
  /**
   * NORMAL (the default): in WAL mode a commit is written to the WAL file with write(2) before better-sqlite3
   * returns, so it sits in the kernel's page cache and survives kill -9 of this process; only an OS crash or power
   * loss can drop the last transactions (SQLite docs, "pragma synchronous": WAL + NORMAL is durable across
   * application crashes). A lost tail then shows up as a gap, and a gap is never idleness, so no wrong action
   * follows. FULL also fsyncs the WAL on every commit (survives power loss) at the cost of blocking the event loop
   * for one fsync per flush.
   */
  synchronous?: Synchronous;
  now?: number;
}

/**
 * The database holds token hashes, the audit log and the fleet's inventory: only the controller's user may read it,
 * whatever the umask (outside the shipped unit it is often 022). DATA_DIR is created 0700 (an existing directory is
 * left as the operator made it); the file and its WAL and shared-memory files are made 0600.
 */
function restrictFiles(path: string): void {
  for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

export function openDb(path: string, opts: OpenDbOptions = {}): Database.Database {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Created 0600 before SQLite opens it; SQLite gives its -wal and -shm files the database file's mode.
    closeSync(openSync(path, 'a', 0o600));
    restrictFiles(path);
  }
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
    // Another process (`cost-optimizer token create`) may write while the daemon runs: wait instead of failing.
    db.pragma('busy_timeout = 5000');
    // Keep the WAL from growing without bound after a burst; checkpoints happen every 1000 pages by default.
    db.pragma('journal_size_limit = 67108864');
    db.pragma('temp_store = MEMORY');
    migrate(db, opts.now ?? Date.now());
    // The migration wrote: the WAL and shared-memory files exist now.
    if (path !== ':memory:') restrictFiles(path);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** True for a DATABASE_URL that names PostgreSQL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Connects to PostgreSQL and migrates it (under an advisory lock: replicas may start together). */
export function openPostgres(url: string, opts: { now?: number } = {}): PgDatabase {
  const db = new PgDatabase(url);
  try {
    migrate(db, opts.now ?? Date.now());
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
