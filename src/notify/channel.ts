import type { StoredNotification } from '../domain/notification-delivery.js';

export const channelKinds = ['log', 'slack', 'teams', 'email', 'webhook'] as const;
export type ChannelKind = (typeof channelKinds)[number];

/** Where notifications go: a Slack or Teams webhook, an SMTP server, a signed webhook, the log. */
export interface Channel {
  readonly name: string;
  readonly kind: ChannelKind;
  /** What its receiver might echo of its secrets: masked in every error the dispatcher logs or stores. */
  readonly secrets?: readonly string[];
  /** Delivers one notification, or throws a `DeliveryError` saying whether and when to try again. */
  deliver(notification: StoredNotification): Promise<void>;
  close?(): Promise<void>;
}

/** A delivery that failed: the message names the channel's host, never its secret URL or credentials. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    /** The receiver asked to wait this long (HTTP 429/503 Retry-After). */
    readonly retryAfterMs?: number,
    /** Trying again cannot help (no address to send to): the notification is dead at once. */
    readonly permanent = false,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
