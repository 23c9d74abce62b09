import { formatId } from '../domain/exception.js';
import { digestKey } from '../domain/notification.js';
import { channelsFor, recipientsFor, type OutboxEntry } from '../domain/notification-routes.js';
import { DAY_MS, toRfc3339 } from '../domain/time.js';
import { controllerActor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { reportMetrics } from './report-metrics.js';

/** The digest lists at most this many of next week's expiries; the rest are counted. */
const LISTED_EXPIRIES = 50;

/**
 * Once a week (the first sweep of each ISO week), security hears how the process is doing: the four
 * metrics against their targets, the trend and its red flag, and what expires in the coming week.
 */
export async function enqueueWeeklyDigest(deps: ServiceDeps, atMs: number): Promise<void> {
  const key = digestKey(atMs);
  const channels = channelsFor(deps.notifications, 'digest', { namespaces: [], policy: undefined });
  if (channels.length === 0 || (await deps.store.hasNotification(key))) return;
  const metrics = await reportMetrics(deps, controllerActor, atMs);
  const expiring = await deps.store.listExceptions({
    states: ['active'],
    expiresBy: toRfc3339(atMs + 7 * DAY_MS),
  });
  const at = toRfc3339(atMs);
  const entries: OutboxEntry[] = channels.map((channel) => ({
    key,
    channel,
    event: 'digest',
    exceptionId: null,
    recipients: recipientsFor(deps.notifications.groups, 'digest', undefined, undefined),
    payload: {
      at,
      actor: controllerActor.name,
      details: {
        week: key.slice('digest:'.length),
        metrics,
        expiringNextWeek: expiring.slice(0, LISTED_EXPIRIES).map((r) => ({
          id: formatId(r.id),
          name: r.name,
          namespaces: r.namespaces,
          expiresAt: r.expiresAt,
          requestor: r.requestor,
        })),
        expiringNextWeekTotal: expiring.length,
      },
    },
    createdAt: at,
    dueAt: toRfc3339(deps.clock.now()),
  }));
  await deps.store.transaction((tx) => tx.enqueueNotifications(entries));
}
