import { describe, expect, it } from 'vitest';
import { ManualScheduler } from '../../test/support/manual-scheduler.js';
import { pause, scheduledLoop, type ScheduledLoopOptions } from './scheduled-loop.js';

/** Lets every promise that can settle now settle: no time passes on any clock. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const INTERVAL = 1_000;

/** A loop whose runs the test ends one by one: each run waits until `finish` or `fail` is called. */
function harness(options: Partial<ScheduledLoopOptions> = {}) {
  const scheduler = new ManualScheduler();
  const signals: AbortSignal[] = [];
  const failures: { error: unknown; retryInMs: number }[] = [];
  let ends: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  const loop = scheduledLoop({
    scheduler,
    intervalMs: INTERVAL,
    run: (signal) => {
      signals.push(signal);
      return new Promise<void>((resolve, reject) => ends.push({ resolve, reject }));
    },
    failed: (error, retryInMs) => failures.push({ error, retryInMs }),
    ...options,
  });
  const end = async (how: 'finish' | Error): Promise<void> => {
    const [first, ...rest] = ends;
    if (!first) throw new Error('no run in progress');
    ends = rest;
    if (how === 'finish') first.resolve();
    else first.reject(how);
    await settle();
  };
  return {
    loop,
    scheduler,
    signals,
    failures,
    runs: () => signals.length,
    inProgress: () => ends.length,
    finish: () => end('finish'),
    fail: (message = 'boom') => end(new Error(message)),
  };
}

describe('the scheduled loop', () => {
  it('runs at once when started, then one interval after each run ends', async () => {
    const h = harness();
    expect(h.runs()).toBe(0);
    h.loop.start();
    expect(h.runs()).toBe(1);
    // Nothing is scheduled while a run is in progress: the interval counts from its end.
    h.scheduler.advance(10 * INTERVAL);
    expect(h.runs()).toBe(1);
    await h.finish();
    h.scheduler.advance(INTERVAL - 1);
    expect(h.runs()).toBe(1);
    h.scheduler.advance(1);
    expect(h.runs()).toBe(2);
    await h.finish();
    expect(h.scheduler.requested).toEqual([INTERVAL, INTERVAL]);
    // A second start changes nothing.
    h.loop.start();
    expect(h.runs()).toBe(2);
    await h.loop.stop();
  });

  it('stopped during a run, aborts its signal, waits for it to end, and runs no more', async () => {
    const h = harness();
    h.loop.start();
    expect(h.signals[0]?.aborted).toBe(false);
    let stopped = false;
    const stopping = h.loop.stop().then(() => (stopped = true));
    await settle();
    expect(h.signals[0]?.aborted).toBe(true);
    expect(stopped).toBe(false);
    await h.finish();
    await stopping;
    expect(stopped).toBe(true);
    // No next run was scheduled, and asking for one changes nothing.
    expect(h.scheduler.dueWithin(100 * INTERVAL)).toBe(0);
    h.loop.runNow();
    h.loop.start();
    h.scheduler.advance(100 * INTERVAL);
    expect(h.runs()).toBe(1);
  });

  it('stopped between runs, cancels the next one', async () => {
    const h = harness();
    h.loop.start();
    await h.finish();
    expect(h.scheduler.dueWithin(INTERVAL)).toBe(1);
    await h.loop.stop();
    expect(h.scheduler.dueWithin(INTERVAL)).toBe(0);
    h.scheduler.advance(INTERVAL);
    expect(h.runs()).toBe(1);
  });

  it('runs now on demand: at once when idle, once more after the run in progress however often asked', async () => {
    const h = harness();
    h.loop.start();
    await h.finish();
    // Idle: the run starts at once and the scheduled one is cancelled.
    h.loop.runNow();
    expect(h.runs()).toBe(2);
    expect(h.scheduler.dueWithin(INTERVAL)).toBe(0);
    // Three asks during a run: one more run right after it, none beside it.
    h.loop.runNow();
    h.loop.runNow();
    h.loop.runNow();
    expect(h.inProgress()).toBe(1);
    await h.finish();
    expect(h.runs()).toBe(3);
    await h.finish();
    expect(h.runs()).toBe(3);
    // Back on the schedule: one interval after the last run.
    expect(h.scheduler.dueWithin(INTERVAL)).toBe(1);
    h.scheduler.advance(INTERVAL);
    expect(h.runs()).toBe(4);
    await h.finish();
    await h.loop.stop();
  });

  it('backs off after failures in a row, doubling up to the cap, and returns to the interval after a success', async () => {
    const h = harness({ backoff: { baseMs: 10, capMs: 50 } });
    h.loop.start();
    for (const expected of [10, 20, 40, 50, 50]) {
      await h.fail(`failure before a ${expected} ms wait`);
      expect(h.failures.at(-1)).toEqual({
        error: new Error(`failure before a ${expected} ms wait`),
        retryInMs: expected,
      });
      expect(h.scheduler.dueWithin(expected - 1)).toBe(0);
      h.scheduler.advance(expected);
      expect(h.inProgress()).toBe(1);
    }
    await h.finish();
    expect(h.scheduler.requested.at(-1)).toBe(INTERVAL);
    h.scheduler.advance(INTERVAL);
    // The count starts again: the next failure waits the base.
    await h.fail();
    expect(h.failures.at(-1)?.retryInMs).toBe(10);
    expect(h.scheduler.requested).toEqual([10, 20, 40, 50, 50, INTERVAL, 10]);
    await h.loop.stop();
  });

  it('without a backoff, retries a failed run after the interval', async () => {
    const h = harness();
    h.loop.start();
    await h.fail();
    expect(h.failures).toHaveLength(1);
    expect(h.scheduler.requested).toEqual([INTERVAL]);
    h.scheduler.advance(INTERVAL);
    expect(h.runs()).toBe(2);
    await h.finish();
    await h.loop.stop();
  });

  it('takes a run that ends by its cancellation as cancelled, not failed', async () => {
    const h = harness({
      run: (signal) =>
        new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())).then(() =>
          signal.throwIfAborted(),
        ),
    });
    h.loop.start();
    await h.loop.stop();
    expect(h.failures).toEqual([]);
    expect(h.scheduler.dueWithin(100 * INTERVAL)).toBe(0);
  });

  it('still reports what a stopped run failed with besides its cancellation', async () => {
    const h = harness();
    h.loop.start();
    const stopping = h.loop.stop();
    await h.fail('the store went away');
    await stopping;
    expect(h.failures.map((f) => (f.error as Error).message)).toEqual(['the store went away']);
    expect(h.scheduler.dueWithin(100 * INTERVAL)).toBe(0);
  });
});

describe('a pause on the scheduler', () => {
  it('ends when the scheduler reaches it, not before', async () => {
    const scheduler = new ManualScheduler();
    let done = false;
    const waiting = pause(scheduler, 250).then(() => (done = true));
    scheduler.advance(249);
    await settle();
    expect(done).toBe(false);
    scheduler.advance(1);
    await waiting;
    expect(done).toBe(true);
    expect(scheduler.requested).toEqual([250]);
  });
});
