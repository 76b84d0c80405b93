// A real store for each test, on either database: SQLite in a fresh temporary directory, or a fresh database in a
// throwaway PostgreSQL cluster started once per test file. Opened before each test, closed (and removed) after it.
import { afterAll, beforeAll, beforeEach, afterEach } from 'vitest';
import { dbPath } from '../../controller/src/store/open-db';
import { openStore, type Store } from '../../controller/src/store/store';
import type { StoreOptions } from '../../controller/src/store/store';
import { makeTempDir, type TempDir } from './temp-dir';
import { postgresUnavailable, startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres';

export type StoreBackend = 'sqlite' | 'postgres';

/**
 * The backends the store contract suite runs on. PostgreSQL is left out only where its server is not installed and
 * this is not CI (postgresUnavailable throws under CI=true): the reason is printed once.
 */
export function storeBackends(): StoreBackend[] {
  // npm run test:unit starts no server: it asks for SQLite alone.
  if (process.env['STORE_BACKENDS'] === 'sqlite') return ['sqlite'];
  const why = postgresUnavailable();
  if (why === null) return ['sqlite', 'postgres'];
  console.warn(`store contract suite: PostgreSQL left out: ${why}`);
  return ['sqlite'];
}

export interface TempStore {
  readonly store: Store;
  /** The temporary directory (SQLite's file is dbPath(dir); PostgreSQL tests may put other files here). */
  readonly dir: string;
  /** Where the store lives: the SQLite file or the postgres:// URL; openStore(location) opens it again. */
  readonly location: string;
  readonly backend: StoreBackend;
  /** Makes `s` the test's store (closed after the test): a test that reopens the database hands the new one here. */
  use(s: Store): Store;
}

/** Call at the top of a test file or describe block. */
export function useTempStore(backend: StoreBackend = 'sqlite', opts: StoreOptions = {}): TempStore {
  let dir: TempDir | null = null;
  let store: Store | null = null;
  let location: string | null = null;
  let pg: ThrowawayPostgres | null = null;
  if (backend === 'postgres') {
    beforeAll(async () => {
      pg = await startThrowawayPostgres();
    });
    afterAll(async () => {
      await pg?.stop();
    });
  }
  beforeEach(() => {
    dir = makeTempDir();
    location = backend === 'postgres' ? pg!.createDatabase() : dbPath(dir.path);
    store = openStore(location, opts);
  });
  afterEach(() => {
    store?.close();
    dir?.cleanup();
  });
  return {
    get store() {
      if (store === null) throw new Error('useTempStore: the store exists only inside a test');
      return store;
    },
    use(s: Store) {
      store = s;
      return s;
    },
    get dir() {
      if (dir === null) throw new Error('useTempStore: the directory exists only inside a test');
      return dir.path;
    },
    get location() {
      if (location === null) throw new Error('useTempStore: the store exists only inside a test');
      return location;
    },
    backend,
  };
}
