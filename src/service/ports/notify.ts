import type {
  DeliveryAttempt,
  DeliveryOutcome,
  NotificationState,
  StoredNotification,
} from '../../domain/notification-delivery.js';

export interface NotificationQuery {
  states?: readonly NotificationState[];
  exceptionId?: number;
  afterId?: number;
  limit?: number;
  newestFirst?: boolean;
}

/** The outbox's side that dispatchers and operators use, outside the transactions that fill it. */
export interface OutboxStore {
  /**
   * Claims up to `limit` pending notifications due at `nowIso` for `holder` until `untilIso`: no other
   * dispatcher gets them meanwhile (decision 0012). A claim that lapses (its holder died) frees them.
   */
  claimNotifications(
    holder: string,
    nowIso: string,
    untilIso: string,
    limit: number,
  ): Promise<StoredNotification[]>;
  /** Records each try and its outcome, in one transaction, for the notifications `holder` claimed. */
  recordDeliveries(holder: string, outcomes: readonly DeliveryOutcome[]): Promise<void>;
  listNotifications(query?: NotificationQuery): Promise<StoredNotification[]>;
  listDeliveryAttempts(notificationId: number): Promise<DeliveryAttempt[]>;
  /** Makes dead notifications pending again, due at `nowIso`; answers the ids it moved. */
  retryNotifications(ids: readonly number[], nowIso: string): Promise<number[]>;
  /** Pending notifications by channel (a gauge). */
  countPendingNotifications(): Promise<Record<string, number>>;
  /** Whether a notification waits that a dispatcher could claim at `nowIso` (due, and not claimed). */
  hasDueNotifications(nowIso: string): Promise<boolean>;
  hasNotification(key: string): Promise<boolean>;
}
