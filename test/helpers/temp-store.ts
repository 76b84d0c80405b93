// A real SQLite store in a fresh temporary directory for each test: opened before it, closed and removed after.
import { afterEach, beforeEach } from 'vitest';
import { dbPath } from '../../controller/src/store/open-db';
import { openStore, type Store } from '../../controller/src/store/store';
import { makeTempDir, type TempDir } from './temp-dir';

export interface TempStore {
  readonly store: Store;
  /** The temporary directory; the database file is dbPath(dir). */
  readonly dir: string;
  /** Makes `s` the test's store (closed after the test): a test that reopens the file hands the new one here. */
  use(s: Store): Store;
}

/** Call at the top of a test file (or describe block). */
export function useTempStore(): TempStore {
  let dir: TempDir | null = null;
  let store: Store | null = null;
  beforeEach(() => {
    dir = makeTempDir();
    store = openStore(dbPath(dir.path));
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
  };
}
