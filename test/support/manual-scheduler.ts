import type { Cancel, Scheduler } from '../../src/service/ports/runtime.js';

interface Timer {
  at: number;
  work: () => void;
  cancelled: boolean;
}

/** A scheduler that tests step: nothing runs until `advance()` moves its time past it. */
export class ManualScheduler implements Scheduler {
  private time = 0;
  private timers: Timer[] = [];
  /** Every delay asked for, in order: the controller's backoff shows here. */
  readonly requested: number[] = [];

  after(ms: number, work: () => void): Cancel {
    const timer = { at: this.time + ms, work, cancelled: false };
    this.timers.push(timer);
    this.requested.push(ms);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Moves time forward by `ms`, running what falls due, earliest first. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.work();
    }
    this.time = end;
  }

  /** How many timers would run if time moved on by `ms`. */
  dueWithin(ms: number): number {
    return this.timers.filter((t) => !t.cancelled && t.at <= this.time + ms).length;
  }
}
