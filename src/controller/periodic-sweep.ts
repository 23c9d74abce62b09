import { messageOf } from '../domain/errors.js';
import type { Cancel, Scheduler } from '../service/ports/runtime.js';
import type { SweepReport } from '../service/sweep.js';
import type { ControllerLog } from './controller.js';

export interface PeriodicSweep {
  /** Cancels the next run and waits for the one in progress. */
  stop(): Promise<void>;
}

/**
 * With a folder as the target there is nothing to watch: the sweep (reminders, expiry, retries) runs on
 * an interval. One sweep at a time in this process; the lease in the store keeps replicas from sweeping
 * together.
 */
export function startPeriodicSweep(
  sweep: () => Promise<SweepReport>,
  options: { intervalMs: number; scheduler: Scheduler; log: ControllerLog },
): PeriodicSweep {
  let running: Promise<void> | undefined;
  let cancel: Cancel | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    cancel = options.scheduler.after(options.intervalMs, tick);
    if (running) return;
    running = sweep()
      .then((report) => {
        const acted =
          report.reminded.length + report.expired.length + report.written.length + report.deleted.length;
        if (acted > 0 || report.failed.length > 0) options.log.info({ sweep: report }, 'sweep done');
      })
      .catch((e: unknown) =>
        options.log.error({ error: messageOf(e) }, 'sweep failed; retried next interval'),
      )
      .finally(() => (running = undefined));
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      cancel?.();
      await running;
    },
  };
}
