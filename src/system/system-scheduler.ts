import type { Scheduler } from '../service/ports/runtime.js';

/** Real timers. */
export const systemScheduler: Scheduler = {
  after: (ms, work) => {
    const timer = setTimeout(work, ms);
    return () => clearTimeout(timer);
  },
};
