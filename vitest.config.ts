// Test runner configuration: unit tests sit beside the code, end-to-end tests in test/.
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['protocol/**/*.test.ts', 'agent/**/*.test.ts', 'controller/**/*.test.{ts,tsx}', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one worker on the 2-core CI machine, so every file ran in
    // turn. Most files start processes and wait on them (sshd, nginx, a controller, chromium), so four at a time fill
    // two cores: `npm test` went from 17 min to 7 min 16 s on this 2-core machine (README, "Development").
    maxWorkers: Math.max(4, availableParallelism() - 1),
  },
});
