import { itemsFor, reviewQueue, type ReviewItem } from '../domain/review-queue.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';

export interface ReviewQueue {
  items: ReviewItem[];
}

/** What waits for the caller now (`all`: every queue, whoever it waits for). */
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
  const items = reviewQueue(records, deps.clock.now(), deps.settings.reminderDays);
  return { items: options.all ? items : itemsFor(items, actor) };
}
