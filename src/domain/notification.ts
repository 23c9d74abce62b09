import type { AuditEvent } from './audit.js';
import { formatId, type ExceptionRecord } from './exception.js';
import { DAY_MS } from './time.js';
import type { ExceptionView } from './view.js';

/** What people are told about: each step of the process, what the cluster shows, and the weekly digest. */
export const notificationEvents = [
  'requested',
  'renewed',
  'approved',
  'rejected',
  'applied',
  'reminder',
  'expired',
  'removed',
  'revoked',
  'escalated',
  'drift',
  'rogue',
  'sync_failed',
  'no_longer_needed',
  'digest',
] as const;
export type NotificationEvent = (typeof notificationEvents)[number];

/**
 * Who hears of an event, by their part: the exception's own people, or the groups the configuration
 * names (`notifications.groups`).
 */
export type Audience = 'requestor' | 'approver' | 'approvers' | 'security' | 'policyOwners';

/** The process document's "who hears what". */
export const audienceOf: Record<NotificationEvent, readonly Audience[]> = {
  requested: ['approvers'],
  renewed: ['approvers', 'security', 'policyOwners'],
  approved: ['requestor'],
  rejected: ['requestor'],
  applied: ['requestor', 'approver'],
  reminder: ['requestor', 'approver'],
  expired: ['requestor'],
  removed: ['requestor'],
  revoked: ['security', 'policyOwners'],
  escalated: ['security', 'policyOwners'],
  drift: ['security'],
  rogue: ['security'],
  sync_failed: ['security'],
  no_longer_needed: ['requestor'],
  digest: ['security'],
};

/** What a message shows of an exception (`composeMessage`): all an outbox row keeps for a channel but a webhook. */
export type MessageSnapshot = Pick<
  ExceptionView,
  | 'id'
  | 'name'
  | 'namespaces'
  | 'policy'
  | 'rules'
  | 'ticket'
  | 'reason'
  | 'expiresAt'
  | 'requestor'
  | 'approver'
  | 'applier'
  | 'renewalOf'
  | 'renewalCount'
>;

export const messageSnapshot = (x: ExceptionView): MessageSnapshot => ({
  id: x.id,
  name: x.name,
  namespaces: x.namespaces,
  policy: x.policy,
  rules: x.rules,
  ticket: x.ticket,
  reason: x.reason,
  expiresAt: x.expiresAt,
  requestor: x.requestor,
  approver: x.approver,
  applier: x.applier,
  renewalOf: x.renewalOf,
  renewalCount: x.renewalCount,
});

/** What a notification carries: enough to render any channel's message without reading the store again. */
export interface NotificationPayload {
  /** When the event happened (RFC3339) and who caused it. */
  at: string;
  actor: string;
  /**
   * The exception at that instant, absent for a rogue object and the digest: as the API shows it for a
   * webhook (its body carries it), otherwise only what a message shows of it.
   */
  exception?: MessageSnapshot & Partial<ExceptionView>;
  /** The event's own facts: a comment, a drift's change, a rogue object, a sync error, the digest. */
  details: Record<string, unknown>;
}

/**
 * The audit action that tells people something, as a notification event. A failed target write tells
 * security only when it fails again on a retry (the exception's sync was already failing).
 */
export function notificationEventOf(
  event: Pick<AuditEvent, 'action'>,
  before: Pick<ExceptionRecord, 'syncStatus'> | undefined,
): NotificationEvent | undefined {
  switch (event.action) {
    case 'requested':
    case 'approved':
    case 'rejected':
    case 'applied':
    case 'expired':
    case 'removed':
    case 'revoked':
    case 'escalated':
    case 'no_longer_needed':
      return event.action;
    case 'renewal_requested':
      return 'renewed';
    case 'reminded':
      return 'reminder';
    case 'drift_detected':
      return 'drift';
    case 'rogue_detected':
      return 'rogue';
    case 'sync_failed':
      return before?.syncStatus === 'error' ? 'sync_failed' : undefined;
    default:
      return undefined;
  }
}

/**
 * One notification per event and exception, whatever replays happen: a reminder is keyed by the expiry it
 * is about (one per exception per expiry date), a retried write's failure by its operation, the steps that
 * happen once in an exception's life by the exception, and what may recur (drift, rogue objects) by the
 * audit event that recorded it.
 */
export function idempotencyKey(
  event: NotificationEvent,
  audit: Pick<AuditEvent, 'seq' | 'data'>,
  record: Pick<ExceptionRecord, 'id' | 'expiresAt'> | undefined,
): string {
  const id = record ? formatId(record.id) : 'none';
  switch (event) {
    case 'reminder':
      return `reminder:${id}:${record?.expiresAt ?? ''}`;
    case 'sync_failed':
      return `sync_failed:${id}:${String(audit.data['operation'])}`;
    case 'drift':
    case 'rogue':
    case 'digest':
      return `${event}:${id}:${audit.seq}`;
    default:
      return `${event}:${id}`;
  }
}

/** The digest's key: one per ISO week (Monday to Sunday, UTC), so replicas and restarts send it once. */
export function digestKey(nowMs: number): string {
  const day = new Date(nowMs);
  const weekday = (day.getUTCDay() + 6) % 7; // Monday is 0
  const thursday = new Date(
    Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() - weekday + 3),
  );
  // The Thursday's week is the ISO week; week 1 holds the year's first Thursday.
  const week =
    1 + Math.floor((thursday.getTime() - Date.UTC(thursday.getUTCFullYear(), 0, 1)) / (7 * DAY_MS));
  return `digest:${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
