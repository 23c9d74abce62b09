import { queuesFor, reviewQueue, type ReviewItem } from '../domain/review-queue.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';

export interface ReviewQueue {
  items: ReviewItem[];
}

/**
 * What waits for the caller now, in the queues their roles act on (`all`: every queue). A requester who
 * reviews nothing sees only the decisions about their own exceptions.
 */
export async function listReviewQueue(
  deps: ServiceDeps,
  actor: Actor,
  options: { all?: boolean | undefined } = {},
): Promise<ReviewQueue> {
  authorize(actor, 'read');
  const records = [
    ...(await deps.store.listExceptions({ states: ['pending', 'approved', 'active'] })),
    ...(await deps.store.listExceptions({ states: ['removed'], syncStatuses: ['pending', 'error'] })),
  ];
  const mine = options.all ? undefined : new Set(queuesFor(actor.roles));
  const ownOnly = !actor.roles.some((r) => r === 'approver' || r === 'admin' || r === 'auditor');
  const items = reviewQueue(records, deps.clock.now(), deps.settings.reminderDays).filter(
    (item) =>
      (mine === undefined || mine.has(item.queue)) &&
      (options.all || !ownOnly || item.queue !== 'decide' || item.requestor === actor.name),
  );
  return { items };
}
