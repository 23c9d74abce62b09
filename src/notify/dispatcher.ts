import { messageOf } from '../domain/errors.js';
import { nextAttemptMs, type BackoffPolicy } from '../domain/retry-backoff.js';
import { toRfc3339 } from '../domain/time.js';
import { mapBounded } from '../service/bounded.js';
import type {
  Cancel,
  Clock,
  DeliveryOutcome,
  OutboxStore,
  Scheduler,
  StoredNotification,
} from '../service/ports.js';
import { DeliveryError, type Channel } from './channel.js';

export interface DispatcherOptions {
  /** This dispatcher among replicas: the holder of its claims. */
  holder: string;
  backoff: BackoffPolicy;
  /** Notifications claimed at a time. */
  batchSize?: number;
  /** How long a claim keeps others off: longer than a batch takes to deliver. */
  claimMs?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** Failures are said here (never a secret: channels name hosts, not URLs or passwords). */
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
  /** Batches until nothing is due now (or `maxRounds` ran). */
  drain(maxRounds?: number): Promise<DispatchReport>;
  close(): Promise<void>;
}

export function createDispatcher(
  store: OutboxStore,
  channels: readonly Channel[],
  clock: Clock,
  options: DispatcherOptions,
): Dispatcher {
  const byName = new Map(channels.map((c) => [c.name, c]));
  const batchSize = options.batchSize ?? 100;
  const claimMs = options.claimMs ?? 5 * 60_000;

  async function attempt(n: StoredNotification): Promise<DeliveryOutcome> {
    const channel = byName.get(n.channel);
    const at = () => toRfc3339(clock.now());
    try {
      if (!channel) throw new DeliveryError(`channel "${n.channel}" is not configured`);
      await channel.deliver(n);
      options.observe?.(n.channel, 'sent');
      return { id: n.id, at: at(), channel: n.channel, result: { status: 'sent' } };
    } catch (e) {
      const error = messageOf(e);
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
    const outcomes = await mapBounded(claimed, options.concurrency ?? 16, attempt);
    await store.recordDeliveries(options.holder, outcomes);
    const report = { sent: 0, failed: 0, dead: 0 };
    for (const { result } of outcomes)
      report[result.status === 'sent' ? 'sent' : result.retryAt === undefined ? 'dead' : 'failed']++;
    return report;
  }

  return {
    round,
    async drain(maxRounds = Infinity) {
      const total = { sent: 0, failed: 0, dead: 0 };
      for (let i = 0; i < maxRounds; i++) {
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

export interface DispatchLoop {
  /** Cancels the next round and waits for the one in progress. */
  stop(): Promise<void>;
}

/** A server's or controller's dispatcher: drains the outbox, then looks again after `intervalMs`. */
export function startDispatchLoop(
  dispatcher: Dispatcher,
  options: { intervalMs: number; scheduler: Scheduler; log: (line: string) => void },
): DispatchLoop {
  let running: Promise<void> | undefined;
  let cancel: Cancel | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped || running) return;
    running = dispatcher
      .drain()
      .then(() => undefined)
      .catch((e: unknown) =>
        options.log(`notifications: dispatch failed, tried again shortly: ${messageOf(e)}`),
      )
      .finally(() => {
        running = undefined;
        if (!stopped) cancel = options.scheduler.after(options.intervalMs, tick);
      });
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      cancel?.();
      await running;
      await dispatcher.close();
    },
  };
}
