import type { StoredNotification } from '../domain/notification-delivery.js';
import type { Clock } from '../service/ports/runtime.js';
import type { Channel } from './channel.js';
import { escapeCardMarkdown } from './escape.js';
import { postJson } from './http-post.js';
import { composeMessage, type Message, type MessageContext } from './message.js';

export interface TeamsOptions {
  name: string;
  /** The Workflows webhook's URL ("When a Teams webhook request is received"): a secret. */
  url: string;
  timeoutMs: number;
  context: MessageContext;
  clock: Clock;
}

/** A Microsoft Teams Workflows webhook, posted an Adaptive Card (Office 365 connectors are retired). */
export function teamsChannel(options: TeamsOptions): Channel {
  return {
    name: options.name,
    kind: 'teams',
    deliver: (n: StoredNotification) =>
      postJson(options.url, JSON.stringify(teamsPayload(composeMessage(n, options.context), n.key)), {
        timeoutMs: options.timeoutMs,
        nowMs: options.clock.now(),
      }),
  };
}

/** The Workflows message: one attachment holding the Adaptive Card, every text escaped for its Markdown. */
export function teamsPayload(
  message: Message,
  /** The notification's idempotency key, shown small: a reader tells a repeat by it (decision 0012). */
  key?: string,
): object {
  const text = (value: string, extra: object = {}) => ({
    type: 'TextBlock',
    text: escapeCardMarkdown(value),
    wrap: true,
    ...extra,
  });
  const body: object[] = [
    text(message.title, { size: 'Large', weight: 'Bolder', style: 'heading' }),
    text(message.summary),
    {
      type: 'FactSet',
      facts: message.facts.map((f) => ({
        title: escapeCardMarkdown(f.label),
        value: escapeCardMarkdown(f.value),
      })),
    },
  ];
  if (message.recipients.length) body.push(text(`For: ${message.recipients.join(', ')}`, { isSubtle: true }));
  for (const a of message.actions)
    body.push(text(`${a.label}: ${a.command}`, { fontType: 'Monospace', spacing: 'Small' }));
  if (key) body.push(text(`Waiver notification ${key}`, { isSubtle: true, size: 'Small' }));
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    ...(message.link
      ? { actions: [{ type: 'Action.OpenUrl', title: 'Open in Waiver', url: message.link }] }
      : {}),
  };
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}
