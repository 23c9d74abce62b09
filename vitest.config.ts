import { defineConfig } from 'vitest/config';

/**
 * Two tiers, both run by `npm test`: `fast` runs in-process (CLI through main(), the API through
 * inject() or a loopback listener, stores and targets for real), `e2e` starts the real processes (the
 * built bundle, `waiver serve`, `waiver controller`, `kubectl waiver`).
 */
export default defineConfig({
  test: {
    // A ceiling for a test that hangs, not a budget: nothing here is timed (budgets are bench/ scripts), so a
    // loaded machine is slower, never red.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    setupFiles: ['test/support/own-folder.ts'],
    // Two cores: one worker each. Half the test files wait on I/O (sockets, child processes) anyway.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          isolate: false,
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
          exclude: ['test/e2e/**'],
        },
      },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
