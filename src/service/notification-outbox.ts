import { WaiverError } from '../domain/errors.js';
import { formatId } from '../domain/exception.js';
import type { NotificationEvent } from '../domain/notification.js';
import { deliveryErrorSummary, redactCredentials } from '../domain/redact.js';
import { toRfc3339 } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type {
  DeliveryAttempt,
  NotificationState,
  StoredNotification,
} from '../domain/notification-delivery.js';

/** A notification as `waiver notifications` and the API show it: where its delivery stands, and each try. */
export interface NotificationView {
  id: number;
  key: string;
  channel: string;
  event: NotificationEvent;
  exceptionId: string | null;
  recipients: string[];
  state: NotificationState;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  tries: Omit<DeliveryAttempt, 'notificationId'>[];
}

export interface NotificationFilter {
  state?: NotificationState | undefined;
  /** Newest first, at most this many (default 100). */
  limit?: number | undefined;
}

export interface RetryReport {
  retried: number[];
  /** Ids that were not dead (or do not exist), with why. */
  refused: { id: number; reason: string }[];
}

/** The outbox, newest first: what was sent, what waits (and why), what is dead. */
export async function listNotifications(
  deps: ServiceDeps,
  actor: Actor,
  filter: NotificationFilter = {},
): Promise<{ items: NotificationView[] }> {
  authorize(actor, 'read');
  const newest = await deps.store.listNotifications({
    ...(filter.state ? { states: [filter.state] } : {}),
    limit: filter.limit ?? 100,
    newestFirst: true,
  });
  // What a receiver said is shown (masked) to admins; everyone else sees its status and host.
  const redact = deps.redact ?? redactCredentials;
  const shown = (error: string | null): string | null =>
    error === null ? null : actor.roles.includes('admin') ? redact(error) : deliveryErrorSummary(error);
  const items: NotificationView[] = [];
  for (const n of newest) items.push(await viewOf(deps, n, shown));
  return { items };
}

/** Makes dead notifications pending again, due now: the dispatcher tries them from the first attempt. */
export async function retryNotifications(
  deps: ServiceDeps,
  actor: Actor,
  ids: readonly number[],
): Promise<RetryReport> {
  authorize(actor, 'sweep');
  if (ids.length === 0) throw new WaiverError('usage', 'name at least one notification id', 'ids');
  const retried = await deps.store.retryNotifications(ids, toRfc3339(deps.clock.now()));
  const refused = ids
    .filter((id) => !retried.includes(id))
    .map((id) => ({
      id,
      reason: `notification ${id} is not dead (only a dead one is retried) or does not exist`,
    }));
  return { retried, refused };
}

async function viewOf(
  deps: ServiceDeps,
  n: StoredNotification,
  shown: (error: string | null) => string | null,
): Promise<NotificationView> {
  const tries = await deps.store.listDeliveryAttempts(n.id);
  return {
    id: n.id,
    key: n.key,
    channel: n.channel,
    event: n.event,
    exceptionId: n.exceptionId === null ? null : formatId(n.exceptionId),
    recipients: n.recipients,
    state: n.state,
    attempts: n.attempts,
    nextAttemptAt: n.nextAttemptAt,
    lastError: shown(n.lastError),
    createdAt: n.createdAt,
    sentAt: n.sentAt,
    tries: tries.map(({ notificationId: _id, error, ...t }) => ({ ...t, error: shown(error) })),
  };
}
