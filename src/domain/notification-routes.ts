import type { AuditEvent } from './audit.js';
import type { ExceptionRecord } from './exception.js';
import {
  audienceOf,
  idempotencyKey,
  messageSnapshot,
  notificationEventOf,
  type Audience,
  type NotificationEvent,
  type NotificationPayload,
} from './notification.js';
import { exceptionView } from './view.js';
import { wildcardMatch } from './wildcard.js';

/** Which events go to which channels; a route without a filter takes every event. */
export interface NotificationRoute {
  channels: readonly string[];
  events?: readonly NotificationEvent[] | undefined;
  /** Globs (`payments-*`): the exception holds a matching namespace. */
  namespaces?: readonly string[] | undefined;
  policies?: readonly string[] | undefined;
}

/** The people behind the audiences that are not an exception's own. */
export interface NotificationGroups {
  approvers: readonly string[];
  security: readonly string[];
  /** By policy: who owns it and hears of its revocations, renewals and escalations. */
  policyOwners: Readonly<Record<string, readonly string[]>>;
}

export interface NotificationRouting {
  routes: readonly NotificationRoute[];
  groups: NotificationGroups;
  /**
   * Channels whose receivers get the exception as the API shows it (webhooks). The others get a message,
   * so their outbox rows keep only what it shows.
   */
  wholeExceptionChannels?: readonly string[];
}

/**
 * Until a channel is configured, the log hears what needs someone's attention: reminders, expiries, and
 * what the cluster shows (drift, rogue objects, writes that keep failing, exceptions no longer needed). Each step a person takes
 * themselves is not repeated back to them on stderr.
 */
export const defaultRouting: NotificationRouting = {
  routes: [
    {
      channels: ['log'],
      events: ['reminder', 'expired', 'drift', 'rogue', 'sync_failed', 'no_longer_needed'],
    },
  ],
  groups: { approvers: [], security: [], policyOwners: {} },
};

/** A notification as the outbox stores it: one per event and channel. */
export interface OutboxEntry {
  /** Unique with the channel: a replay of the same event enqueues nothing. */
  key: string;
  channel: string;
  event: NotificationEvent;
  exceptionId: number | null;
  /** Identities (the channel maps them to addresses when it delivers). */
  recipients: string[];
  payload: NotificationPayload;
  /** When the event happened. */
  createdAt: string;
  /** When it is first due for delivery: now by the process's clock (a sweep may act as of a later instant). */
  dueAt: string;
}

/** What an event is about, for the routes' filters. */
interface Subject {
  namespaces: readonly string[];
  policy: string | undefined;
}

/**
 * The outbox entries an audit event causes: none for events nobody hears of, otherwise one per channel
 * its routes name. `record` is the exception as the event left it, `before` as it was.
 */
export function outboxEntriesFor(
  routing: NotificationRouting,
  dueAt: string,
  audit: AuditEvent,
  record: ExceptionRecord | undefined,
  before: ExceptionRecord | undefined,
): OutboxEntry[] {
  const event = notificationEventOf(audit, before);
  if (!event) return [];
  const subject = record
    ? { namespaces: record.namespaces, policy: record.policy }
    : objectSubject(audit.data);
  const channels = channelsFor(routing, event, subject);
  if (channels.length === 0) return [];
  const { comment, record: _digest, ...details } = audit.data;
  const view = record && exceptionView(record, Date.parse(audit.at));
  const payloadWith = (exception: NotificationPayload['exception']): NotificationPayload => ({
    at: audit.at,
    actor: audit.actor,
    ...(exception ? { exception } : {}),
    details: { ...details, ...(comment === undefined ? {} : { comment }) },
  });
  const shown = view && payloadWith(messageSnapshot(view));
  let whole: NotificationPayload | undefined;
  const payloadFor = (channel: string): NotificationPayload =>
    shown && !routing.wholeExceptionChannels?.includes(channel) ? shown : (whole ??= payloadWith(view));
  const recipients = recipientsFor(routing.groups, event, record, subject.policy);
  const key = idempotencyKey(event, audit, record);
  return channels.map((channel) => ({
    key,
    channel,
    event,
    exceptionId: record?.id ?? null,
    recipients,
    payload: payloadFor(channel),
    createdAt: audit.at,
    dueAt,
  }));
}

/** The channels of every route that takes this event, each once, in the order the routes name them. */
export function channelsFor(
  routing: NotificationRouting,
  event: NotificationEvent,
  subject: Subject,
): string[] {
  const matching = routing.routes.filter(
    (route) =>
      (!route.events || route.events.includes(event)) &&
      (!route.namespaces ||
        subject.namespaces.some((ns) => route.namespaces?.some((glob) => wildcardMatch(glob, ns)))) &&
      (!route.policies || (subject.policy !== undefined && route.policies.includes(subject.policy))),
  );
  return [...new Set(matching.flatMap((route) => route.channels))];
}

export function recipientsFor(
  groups: NotificationGroups,
  event: NotificationEvent,
  record: Pick<ExceptionRecord, 'requestor' | 'approver'> | undefined,
  policy: string | undefined,
): string[] {
  const of = (audience: Audience): readonly (string | null | undefined)[] => {
    switch (audience) {
      case 'requestor':
        return [record?.requestor];
      case 'approver':
        return [record?.approver];
      case 'approvers':
        return groups.approvers;
      case 'security':
        return groups.security;
      case 'policyOwners':
        return policy === undefined ? [] : (groups.policyOwners[policy] ?? []);
    }
  };
  const people = audienceOf[event].flatMap(of).filter((p): p is string => typeof p === 'string');
  return [...new Set(people)];
}

/** A rogue object's namespace and first policy, from its audit data. */
function objectSubject(data: Record<string, unknown>): Subject {
  const strings = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  const namespace = data['namespace'];
  return {
    namespaces: typeof namespace === 'string' ? [namespace] : [],
    policy: strings(data['policies'])[0],
  };
}
