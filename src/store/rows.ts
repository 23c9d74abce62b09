import type { Insertable, Selectable } from 'kysely';
import type { AuditEvent } from '../domain/audit.js';
import type { ControlRef, RiskRating } from '../domain/controls.js';
import type { ExceptionRecord, NewExceptionRecord } from '../domain/exception.js';
import { hasExemptions, type Exemptions } from '../domain/exemptions.js';
import type { OutboxEntry } from '../domain/notification-routes.js';
import type { ApiToken, StoredToken } from '../domain/api-token.js';
import type { StoredNotification } from '../domain/notification-delivery.js';
import type { ApiTokensTable, AuditEventsTable, ExceptionsTable, NotificationsTable } from './schema.js';

/** Rows are written only by this store, so reading them back trusts their enum columns. */
export function toRecord(row: Selectable<ExceptionsTable>): ExceptionRecord {
  return {
    id: row.id,
    name: row.name,
    policy: row.policy,
    rules: JSON.parse(row.rules) as string[],
    kinds: JSON.parse(row.kinds) as string[],
    namespaces: JSON.parse(row.namespaces) as string[],
    names: JSON.parse(row.names) as string[],
    category: row.category as ExceptionRecord['category'],
    ticket: row.ticket,
    reason: row.reason,
    riskAssessment: row.risk_assessment,
    expiresAt: row.expires_at,
    riskRating: row.risk_rating === null ? null : (JSON.parse(row.risk_rating) as RiskRating),
    compensatingControls: row.compensating_controls,
    validations: row.validations === null ? [] : (JSON.parse(row.validations) as string[]),
    falsePositive: row.false_positive,
    state: row.state as ExceptionRecord['state'],
    endReason: row.end_reason as ExceptionRecord['endReason'],
    closureReason: row.closure_reason as ExceptionRecord['closureReason'],
    controls: row.controls === null ? [] : (JSON.parse(row.controls) as ControlRef[]),
    ...exemptionsOf(row.exemptions),
    syncStatus: row.sync_status as ExceptionRecord['syncStatus'],
    syncError: row.sync_error,
    requestor: row.requestor,
    approver: row.approver,
    applier: row.applier,
    requestedAt: row.requested_at,
    approvedAt: row.approved_at,
    appliedAt: row.applied_at,
    removedAt: row.removed_at,
    remindedAt: row.reminded_at,
    escalatedAt: row.escalated_at,
    renewalOf: row.renewal_of,
    renewalCount: row.renewal_count,
    apiVersion: row.api_version as ExceptionRecord['apiVersion'],
    target: row.target ?? '',
    syncRevision: row.sync_revision,
    syncUrl: row.sync_url,
    version: row.version,
  };
}

/** A fresh copy each time: records are edited by spreading, and must never share the lists. */
function exemptionsOf(text: string | null): Exemptions {
  if (text === null) return { podSecurity: [], images: [], allowedValues: [] };
  const stored = JSON.parse(text) as Partial<Exemptions>;
  return {
    podSecurity: stored.podSecurity ?? [],
    images: stored.images ?? [],
    allowedValues: stored.allowedValues ?? [],
  };
}

export function toRow(r: NewExceptionRecord): Omit<ExceptionsTable, 'id' | 'version'> {
  return {
    name: r.name,
    policy: r.policy,
    rules: JSON.stringify(r.rules),
    kinds: JSON.stringify(r.kinds),
    namespaces: JSON.stringify(r.namespaces),
    names: JSON.stringify(r.names),
    category: r.category,
    ticket: r.ticket,
    reason: r.reason,
    risk_assessment: r.riskAssessment,
    expires_at: r.expiresAt,
    risk_rating: r.riskRating === null ? null : JSON.stringify(r.riskRating),
    compensating_controls: r.compensatingControls,
    validations: r.validations.length ? JSON.stringify(r.validations) : null,
    false_positive: r.falsePositive,
    controls: JSON.stringify(r.controls),
    closure_reason: r.closureReason,
    exemptions: hasExemptions(r)
      ? JSON.stringify({ podSecurity: r.podSecurity, images: r.images, allowedValues: r.allowedValues })
      : null,
    state: r.state,
    end_reason: r.endReason,
    sync_status: r.syncStatus,
    sync_error: r.syncError,
    requestor: r.requestor,
    approver: r.approver,
    applier: r.applier,
    requested_at: r.requestedAt,
    approved_at: r.approvedAt,
    applied_at: r.appliedAt,
    removed_at: r.removedAt,
    reminded_at: r.remindedAt,
    escalated_at: r.escalatedAt,
    renewal_of: r.renewalOf,
    renewal_count: r.renewalCount,
    api_version: r.apiVersion,
    target: r.target,
    sync_revision: r.syncRevision,
    sync_url: r.syncUrl,
  };
}

export const toEvent = (row: Selectable<AuditEventsTable>): AuditEvent => ({
  seq: row.seq,
  at: row.at,
  actor: row.actor,
  action: row.action as AuditEvent['action'],
  exceptionId: row.exception_id,
  data: JSON.parse(row.data) as Record<string, unknown>,
  prevHash: row.prev_hash,
  hash: row.hash,
});

export const toToken = (row: Selectable<ApiTokensTable>): ApiToken => ({
  id: row.id,
  owner: row.owner,
  roles: JSON.parse(row.roles) as ApiToken['roles'],
  description: row.description,
  createdAt: row.created_at,
  createdBy: row.created_by,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
});

export const toStoredToken = (row: Selectable<ApiTokensTable>): StoredToken => ({
  ...toToken(row),
  lookup: row.lookup,
  hash: row.hash,
});

export const toTokenRow = (t: StoredToken): ApiTokensTable => ({
  id: t.id,
  lookup: t.lookup,
  hash: t.hash,
  owner: t.owner,
  roles: JSON.stringify(t.roles),
  description: t.description,
  created_at: t.createdAt,
  created_by: t.createdBy,
  expires_at: t.expiresAt,
  revoked_at: t.revokedAt,
});

/** A new outbox row: pending, due at once, unclaimed. */
export function toNotificationRow(entry: OutboxEntry): Insertable<NotificationsTable> {
  return {
    key: entry.key,
    channel: entry.channel,
    event: entry.event,
    exception_id: entry.exceptionId,
    recipients: JSON.stringify(entry.recipients),
    payload: JSON.stringify(entry.payload),
    state: 'pending',
    attempts: 0,
    next_attempt_at: entry.dueAt,
    created_at: entry.createdAt,
  };
}

export function toNotification(row: Selectable<NotificationsTable>): StoredNotification {
  return {
    id: row.id,
    key: row.key,
    channel: row.channel,
    event: row.event as StoredNotification['event'],
    exceptionId: row.exception_id,
    recipients: JSON.parse(row.recipients) as string[],
    payload: JSON.parse(row.payload) as StoredNotification['payload'],
    state: row.state as StoredNotification['state'],
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    sentAt: row.sent_at,
    createdAt: row.created_at,
  };
}
