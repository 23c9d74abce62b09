import { formatId, type ExceptionRecord } from './exception.js';
import {
  ANNOTATIONS,
  ID_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  TTL_LABEL,
  ttlLabelValue,
  type PolicyExceptionManifest,
} from './manifest.js';
import type { ProcessSettings } from './settings.js';
import { DAY_MS, toRfc3339 } from './time.js';

/** Name, namespace, Waiver's labels (the TTL one too) and the process template's annotations. */
export function exceptionMetadata(
  record: ExceptionRecord,
  settings: ProcessSettings,
): PolicyExceptionManifest['metadata'] {
  const annotations: Record<string, string> = {
    [ANNOTATIONS.requestor]: record.requestor,
    [ANNOTATIONS.ticket]: record.ticket,
    [ANNOTATIONS.reason]: record.reason,
    [ANNOTATIONS.riskAcceptance]: record.approver ?? '',
    [ANNOTATIONS.expiryReminder]: reminderDate(record, settings.reminderDays),
    [ANNOTATIONS.category]: record.category,
    [ANNOTATIONS.expiresAt]: record.expiresAt,
  };
  if (record.riskAssessment) annotations[ANNOTATIONS.riskAssessment] = record.riskAssessment;
  return {
    name: record.name,
    namespace: settings.exceptionNamespace,
    labels: {
      [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
      [ID_LABEL]: formatId(record.id),
      [TTL_LABEL]: ttlLabelValue(record.expiresAt),
    },
    annotations,
  };
}

/**
 * The day the reminder is due: `reminderDays` before the expiry, but never before the exception took
 * effect (a 5-day exception is in its reminder window from the start, and is reminded then).
 */
function reminderDate(record: ExceptionRecord, reminderDays: number): string {
  const due = Date.parse(record.expiresAt) - reminderDays * DAY_MS;
  const start = Date.parse(record.appliedAt ?? record.requestedAt);
  return toRfc3339(Math.max(due, start)).slice(0, 10);
}
