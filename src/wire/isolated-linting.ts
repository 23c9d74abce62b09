import { existsSync } from 'node:fs';
import type { Config } from '../config/load.js';

/**
 * Lint requests run in worker threads with time and memory limits. The worker is the bundle's
 * `lint-worker.js`: beside this module in the bundle, else in dist/cli.
 */
export async function isolatedLinting(config: Config, log: (line: string) => void) {
  const candidates = [
    new URL('./lint-worker.js', import.meta.url), // the bundle (dist/cli)
    new URL('../../cli/lint-worker.js', import.meta.url), // tsc's output (dist/src/wire), as the benchmarks run
    new URL('../../dist/cli/lint-worker.js', import.meta.url), // the sources (tests)
  ];
  const workerFile = candidates.find((url) => existsSync(url));
  if (!workerFile) {
    log('lint runs in the server process: no lint-worker.js (npm run build makes it)');
    return undefined;
  }
  const { isolatedLinter } = await import('../server/isolated-linter.js');
  const { memoryMb, timeoutSeconds } = config.server.lint;
  return isolatedLinter(workerFile, config.settings, {
    memoryMb,
    timeoutMs: timeoutSeconds * 1000,
    concurrency: 2,
  });
}
