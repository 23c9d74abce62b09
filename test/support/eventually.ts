import { vi } from 'vitest';

/**
 * How long a test waits for something to happen (a process to print, a controller to react) before it
 * says what it waited for: minutes, not a budget. It stays under the test timeout (vitest.config.ts) so
 * that the failure names the check, not the timeout.
 */
export const PATIENCE_MS = 240_000;

/** Polls until the check passes; a loaded machine only makes it poll longer. */
export const eventually = <T>(check: () => T | Promise<T>, interval = 20): Promise<T> =>
  vi.waitFor(check, { timeout: PATIENCE_MS, interval });
