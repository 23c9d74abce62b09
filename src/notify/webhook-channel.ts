import { createHmac } from 'node:crypto';
import type { NotificationEvent } from '../domain/notification.js';
import type { StoredNotification } from '../domain/notification-delivery.js';
import type { Clock } from '../service/ports/runtime.js';
import type { Channel } from './channel.js';
import { postJson } from './http-post.js';

export interface WebhookOptions {
  name: string;
  url: string;
  /** `whsec_` and the key in base64, as Standard Webhooks gives it. */
  secret: string;
  timeoutMs: number;
  clock: Clock;
}

/** The `type` of each event's webhook. */
export const webhookType = (event: NotificationEvent): string =>
  event === 'digest'
    ? 'process.digest'
    : event === 'rogue'
      ? 'cluster.rogue_exception'
      : `exception.${event}`;

/**
 * A generic webhook signed the Standard Webhooks way. Its `webhook-id` is the notification's idempotency
 * key, the same on every try: a receiver that keeps the ids it has seen drops a repeat (the one window in
 * which one can happen is decision 0012's).
 */
export function webhookChannel(options: WebhookOptions): Channel {
  const key = Buffer.from(options.secret.slice('whsec_'.length), 'base64');
  return {
    name: options.name,
    kind: 'webhook',
    deliver: (n: StoredNotification) => {
      const nowMs = options.clock.now();
      const body = JSON.stringify(webhookBody(n));
      return postJson(options.url, body, {
        timeoutMs: options.timeoutMs,
        nowMs,
        headers: signatureHeaders(key, n.key, Math.floor(nowMs / 1000), body),
      });
    },
  };
}

/** `type`, `timestamp` (the event's instant) and `data`: the exception as the API shows it, else the event's facts. */
export function webhookBody(n: Pick<StoredNotification, 'event' | 'payload'>): object {
  return {
    type: webhookType(n.event),
    timestamp: n.payload.at,
    data: n.payload.exception ?? n.payload.details,
  };
}

export function signatureHeaders(
  key: Buffer,
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` };
}
