import type { OutboxEntry } from './notification-routes.js';

export const notificationStates = ['pending', 'sent', 'dead'] as const;
export type NotificationState = (typeof notificationStates)[number];

/** A notification in the outbox, with where its delivery stands. */
export interface StoredNotification extends Omit<OutboxEntry, 'dueAt'> {
  id: number;
  state: NotificationState;
  attempts: number;
  /** A pending one is not tried before this instant (its backoff). */
  nextAttemptAt: string;
  lastError: string | null;
  sentAt: string | null;
}

/** One try to deliver a notification. */
export interface DeliveryAttempt {
  notificationId: number;
  at: string;
  channel: string;
  status: 'sent' | 'failed';
  error: string | null;
}

/** How one claimed notification's try went: sent, to be tried again at `retryAt`, or dead. */
export interface DeliveryOutcome {
  id: number;
  at: string;
  channel: string;
  result: { status: 'sent' } | { status: 'failed'; error: string; retryAt: string | undefined };
}
