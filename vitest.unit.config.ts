// `npm run test:unit`: the tests that start no process and wait on no real clock (test/unit-tier.ts decides which),
// with no build first; `npm test` still runs every test.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { unitTier } from './test/unit-tier';

const root = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  test: {
    include: unitTier(root).unit,
    // The store contract suite runs on SQLite only here: its PostgreSQL half starts a server (npm test runs both).
    env: { STORE_BACKENDS: 'sqlite' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
