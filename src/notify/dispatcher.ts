import { messageOf } from '../domain/errors.js';
import { excerpt, redactor, type Redact } from '../domain/redact.js';
import { nextAttemptMs, type BackoffPolicy } from '../domain/retry-backoff.js';
import { toRfc3339 } from '../domain/time.js';
import { mapBounded } from '../service/bounded.js';
import { scheduledLoop } from '../service/scheduled-loop.js';
import type { DeliveryOutcome, StoredNotification } from '../domain/notification-delivery.js';
import type { OutboxStore } from '../service/ports/notify.js';
import type { Clock, Scheduler } from '../service/ports/runtime.js';
import { DeliveryError, type Channel } from './channel.js';

export interface DispatcherOptions {
  /** This dispatcher among replicas: the holder of its claims. */
  holder: string;
  backoff: BackoffPolicy;
  /**
   * Notifications claimed at a time; by default as many as are in flight at once, so that every claimed
   * row is being delivered and a claim need only outlive one delivery.
   */
  batchSize?: number;
  /** How long a claim keeps others off: longer than one delivery takes (every channel's timeout). */
  claimMs?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** Masks the configured secrets in what receivers said; the channels' own secrets are masked anyway. */
  redact?: Redact;
  /** Failures are said here, masked. */
  log?: (line: string) => void;
  /** Told of each try's outcome (the Prometheus counters). */
  observe?: (channel: string, outcome: 'sent' | 'failed' | 'dead') => void;
}

export interface DispatchReport {
  sent: number;
  failed: number;
  dead: number;
}

/** Delivers the outbox: claims due notifications, tries each on its channel, records every try. */
export interface Dispatcher {
  /** One batch; answers what it did (all zero when nothing was due). */
  round(): Promise<DispatchReport>;
  /** Batches until nothing is due now (or `maxRounds` ran, or `signal` aborted). */
  drain(maxRounds?: number, signal?: AbortSignal): Promise<DispatchReport>;
  close(): Promise<void>;
}

export function createDispatcher(
  store: OutboxStore,
  channels: readonly Channel[],
  clock: Clock,
  options: DispatcherOptions,
): Dispatcher {
  const byName = new Map(channels.map((c) => [c.name, c]));
  const concurrency = options.concurrency ?? 16;
  const batchSize = options.batchSize ?? concurrency;
  const claimMs = options.claimMs ?? DEFAULT_CLAIM_MS;
  const own = redactor(channels.flatMap((c) => c.secrets ?? []));
  const redact: Redact = options.redact ? (text) => own(options.redact?.(text) ?? text) : own;

  async function attempt(n: StoredNotification): Promise<DeliveryOutcome> {
    const channel = byName.get(n.channel);
    const at = () => toRfc3339(clock.now());
    try {
      if (!channel) throw new DeliveryError(`channel "${n.channel}" is not configured`);
      await channel.deliver(maskedPayload(n, redact));
      options.observe?.(n.channel, 'sent');
      return { id: n.id, at: at(), channel: n.channel, result: { status: 'sent' } };
    } catch (e) {
      // What the receiver said is masked before it is logged or stored: failing receivers echo secrets.
      const error = excerpt(messageOf(e), redact);
      const nowMs = clock.now();
      const permanent = e instanceof DeliveryError && e.permanent;
      const retryMs = permanent
        ? undefined
        : nextAttemptMs(
            nowMs,
            n.attempts + 1,
            options.backoff,
            e instanceof DeliveryError ? e.retryAfterMs : undefined,
          );
      // Whole seconds, rounded up: stored instants are whole seconds, and a retry is never early.
      const retryAt = retryMs === undefined ? undefined : toRfc3339(Math.ceil(retryMs / 1000) * 1000);
      options.observe?.(n.channel, retryAt === undefined ? 'dead' : 'failed');
      options.log?.(
        `notification ${n.id} (${n.key}) to ${n.channel} failed on try ${n.attempts + 1}: ${error}; ${
          retryAt === undefined ? 'dead (waiver notifications retry to try again)' : `next try at ${retryAt}`
        }`,
      );
      return { id: n.id, at: at(), channel: n.channel, result: { status: 'failed', error, retryAt } };
    }
  }

  async function round(): Promise<DispatchReport> {
    const nowMs = clock.now();
    const claimed = await store.claimNotifications(
      options.holder,
      toRfc3339(nowMs),
      toRfc3339(nowMs + claimMs),
      batchSize,
    );
    // Each outcome is recorded as it lands: those that land while a record is being written go in the
    // next one. A crash then re-sends at most what was in flight, never a whole batch.
    const recorder = groupRecorder((group) => store.recordDeliveries(options.holder, group));
    const outcomes = await mapBounded(claimed, concurrency, async (n) => {
      const outcome = await attempt(n);
      recorder.add(outcome);
      return outcome;
    });
    await recorder.done();
    const report = { sent: 0, failed: 0, dead: 0 };
    for (const { result } of outcomes)
      report[result.status === 'sent' ? 'sent' : result.retryAt === undefined ? 'dead' : 'failed']++;
    return report;
  }

  return {
    round,
    async drain(maxRounds = Infinity, signal) {
      const total = { sent: 0, failed: 0, dead: 0 };
      for (let i = 0; i < maxRounds && !signal?.aborted; i++) {
        const r = await round();
        total.sent += r.sent;
        total.failed += r.failed;
        total.dead += r.dead;
        if (r.sent + r.failed + r.dead < batchSize) break;
      }
      return total;
    },
    async close() {
      for (const channel of channels) await channel.close?.();
    },
  };
}

/**
 * What a notification says of a target's failure, masked: rows enqueued before masking existed may hold
 * what a forge or cluster echoed, and a message must not carry it on to a channel.
 */
function maskedPayload(n: StoredNotification, redact: Redact): StoredNotification {
  const { exception, details } = n.payload;
  const error = details['error'];
  if (typeof error !== 'string' && !exception?.syncError) return n;
  return {
    ...n,
    payload: {
      ...n.payload,
      ...(exception?.syncError
        ? { exception: { ...exception, syncError: redact(exception.syncError) } }
        : {}),
      details: typeof error === 'string' ? { ...details, error: redact(error) } : details,
    },
  };
}

/** A claim lapses after this long by default: longer than the channels' default timeout (10 s). */
export const DEFAULT_CLAIM_MS = 30_000;

/**
 * Writes what is added as soon as it can: one write at a time, each taking everything added while the
 * previous one ran. `done` waits for the last write and fails with the first write's failure.
 */
function groupRecorder(write: (group: DeliveryOutcome[]) => Promise<void>): {
  add(outcome: DeliveryOutcome): void;
  done(): Promise<void>;
} {
  let queue: DeliveryOutcome[] = [];
  let writing: Promise<void> = Promise.resolve();
  let busy = false;
  let failure: Error | undefined;
  const flush = (): void => {
    if (busy || queue.length === 0) return;
    busy = true;
    const group = queue;
    queue = [];
    writing = write(group)
      .catch((e: unknown) => {
        failure ??= e instanceof Error ? e : new Error(messageOf(e));
      })
      .finally(() => {
        busy = false;
        flush();
      });
  };
  return {
    add(outcome) {
      queue.push(outcome);
      flush();
    },
    async done() {
      while (busy || queue.length) {
        flush();
        await writing;
      }
      if (failure) throw failure;
    },
  };
}

export interface DispatchLoop {
  /** Cancels the next round, stops the drain in progress after its round, and closes the channels. */
  stop(): Promise<void>;
}

/** A server's or controller's dispatcher: drains the outbox, then looks again after `intervalMs`. */
export function startDispatchLoop(
  dispatcher: Dispatcher,
  options: { intervalMs: number; scheduler: Scheduler; log: (line: string) => void },
): DispatchLoop {
  const loop = scheduledLoop({
    scheduler: options.scheduler,
    intervalMs: options.intervalMs,
    run: async (signal) => void (await dispatcher.drain(Infinity, signal)),
    failed: (e) => options.log(`notifications: dispatch failed, tried again shortly: ${messageOf(e)}`),
  });
  loop.start();
  return {
    stop: async () => {
      await loop.stop();
      await dispatcher.close();
    },
  };
}
