import type { AuditEvent, NewAuditEvent } from '../domain/audit.js';
import type { ExceptionRecord } from '../domain/exception.js';
import { outboxEntriesFor } from '../domain/notification-routes.js';
import { toRfc3339 } from '../domain/time.js';
import type { ServiceDeps } from './deps.js';
import type { StoreWriter } from './ports/store.js';

/** The exception an event is about: as the event left it, and as it was before. */
export interface EventSubject {
  record: ExceptionRecord;
  before?: ExceptionRecord;
}

/**
 * Records what happened in the audit trail and, in the same transaction, whom to tell in the outbox:
 * the two commit together or not at all, so no notification is lost to a crash and none is sent for a
 * change that rolled back.
 */
export async function recordEvent(
  deps: Pick<ServiceDeps, 'notifications' | 'clock'>,
  tx: StoreWriter,
  event: NewAuditEvent,
  subject?: EventSubject,
): Promise<AuditEvent> {
  const appended = await tx.appendAudit(event);
  const dueAt = toRfc3339(deps.clock.now());
  const entries = outboxEntriesFor(deps.notifications, dueAt, appended, subject?.record, subject?.before);
  if (entries.length > 0) await tx.enqueueNotifications(entries);
  return appended;
}
