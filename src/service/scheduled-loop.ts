import { backoffMs, type BackoffPolicy } from '../domain/retry-backoff.js';
import type { Cancel, Scheduler } from './ports/runtime.js';

export interface ScheduledLoopOptions {
  /** Every wait goes through it: tests step a manual one instead of sleeping. */
  scheduler: Scheduler;
  /** From the end of one run to the start of the next. */
  intervalMs: number;
  /** After a failed run: `baseMs`, doubled for each failure in a row, up to `capMs`; else `intervalMs`. */
  backoff?: Pick<BackoffPolicy, 'baseMs' | 'capMs'>;
  /**
   * One run. `signal` aborts when the loop is stopped during it: a long run stops at its next safe point
   * (an aborted run may throw the signal's reason; that is not a failure).
   */
  run(signal: AbortSignal): Promise<void>;
  /** A run failed; the loop goes on, and tries again after `retryInMs`. */
  failed(error: unknown, retryInMs: number): void;
}

/** Runs one piece of work now and again, never two at a time. */
export interface ScheduledLoop {
  /** The first run now; each next one `intervalMs` after the last ended (the backoff after a failure). */
  start(): void;
  /**
   * A run as soon as possible: at once when none is in progress, else once more right after it (however
   * often it is asked meanwhile). Nothing once stopped.
   */
  runNow(): void;
  /** No more runs: the next one is cancelled, the one in progress aborted and waited for. */
  stop(): Promise<void>;
}

/**
 * The one loop of every long-running process: each target's controller, its lease renewal, and the
 * outbox's delivery run on it, so start, stop, run-now and backoff mean the same everywhere.
 */
export function scheduledLoop(options: ScheduledLoopOptions): ScheduledLoop {
  let state: 'new' | 'started' | 'stopped' = 'new';
  let running: Promise<void> | undefined;
  let again = false;
  let failures = 0;
  let next: Cancel | undefined;
  const abort = new AbortController();

  const runOnce = async (): Promise<void> => {
    let delay = options.intervalMs;
    try {
      await options.run(abort.signal);
      failures = 0;
    } catch (e) {
      if (abort.signal.aborted && e === abort.signal.reason) return;
      failures++;
      if (options.backoff) delay = backoffMs(failures, options.backoff);
      options.failed(e, delay);
    }
    if (state === 'started') next = options.scheduler.after(delay, kick);
  };

  function kick(): void {
    if (state !== 'started') return;
    if (running) {
      again = true;
      return;
    }
    next?.();
    next = undefined;
    running = runOnce().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        kick();
      }
    });
  }

  return {
    start() {
      if (state !== 'new') return;
      state = 'started';
      kick();
    },
    runNow: kick,
    async stop() {
      state = 'stopped';
      next?.();
      next = undefined;
      abort.abort();
      await running;
    },
  };
}

/** Waits `ms` on the scheduler: a retry's pause that a test steps instead of sleeping through. */
export function pause(scheduler: Scheduler, ms: number): Promise<void> {
  return new Promise((resolve) => scheduler.after(ms, resolve));
}
