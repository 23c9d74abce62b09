import { WaiverError } from '../domain/errors.js';

/** One request's place: `ready` once it may run; `release` when its answer is sent or abandoned. */
export interface Slot {
  ready: Promise<void>;
  release: () => void;
}

/**
 * Large answers (pages, streams, exports) run a few at a time; others wait their turn in order, and past
 * the queue's length a request is refused with 503 at once. Memory then grows with `size`, not with how
 * many clients ask at the same moment.
 */
export class AnswerSlots {
  private running = 0;
  private readonly waiting: { start: () => void; abandon: () => void }[] = [];

  constructor(
    readonly size: number,
    readonly queue: number,
  ) {}

  /** A place now or in the queue; throws `unavailable` when the queue is full. */
  take(): Slot {
    let state: 'waiting' | 'running' | 'done' = 'running';
    let ticket: { start: () => void; abandon: () => void } | undefined;
    let ready: Promise<void>;
    if (this.running < this.size) {
      this.running++;
      ready = Promise.resolve();
    } else if (this.waiting.length >= this.queue) {
      throw new WaiverError(
        'unavailable',
        `the server is preparing ${this.size} large answers and ${this.queue} more wait; try again shortly`,
      );
    } else {
      state = 'waiting';
      ready = new Promise<void>((resolve, reject) => {
        ticket = {
          start: () => {
            state = 'running';
            resolve();
          },
          abandon: () => reject(new WaiverError('unavailable', 'the request ended while it waited')),
        };
        this.waiting.push(ticket);
      });
    }
    const release = () => {
      if (state === 'waiting' && ticket) {
        this.waiting.splice(this.waiting.indexOf(ticket), 1);
        ticket.abandon();
      } else if (state === 'running') {
        const next = this.waiting.shift();
        if (next) next.start();
        else this.running--;
      }
      state = 'done';
    };
    return { ready, release };
  }

  /** Answers being prepared or sent now, and requests waiting for a turn. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
