import type { ExceptionEvidence } from '../domain/report-evidence.js';
import { evidenceItems, itemsFor, reviewQueue, sortQueue, type ReviewItem } from '../domain/review-queue.js';
import { redactCredentials, redactSyncError } from '../domain/redact.js';
import { allEvidence } from './exception-evidence.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { clusterTargets } from './targets.js';

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
  const redact = deps.redact ?? redactCredentials;
  const records = [
    ...(await deps.store.listExceptions({ states: ['pending', 'approved', 'active'] })),
    ...(await deps.store.listExceptions({ states: ['removed'], syncStatuses: ['pending', 'error'] })),
  ].map((r) => redactSyncError(r, redact));
  const nowMs = deps.clock.now();
  const evidence = await reportEvidence(deps, actor);
  const ended = evidence.length ? await deps.store.listExceptions({ states: ['removed'] }) : [];
  const items = sortQueue([
    ...reviewQueue(records, nowMs, deps.settings.reminderDays),
    ...evidenceItems([...records, ...ended], evidence, nowMs),
  ]);
  return { items: options.all ? items : itemsFor(items, actor) };
}

/** With a cluster, what its policy reports flag; a cluster that does not answer leaves the queue as it is. */
async function reportEvidence(deps: ServiceDeps, actor: Actor): Promise<ExceptionEvidence[]> {
  if (clusterTargets(deps).length === 0) return [];
  try {
    return (await allEvidence(deps, actor)).items.filter((e) => e.flags.length > 0);
  } catch {
    return [];
  }
}
