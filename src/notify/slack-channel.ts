import type { StoredNotification } from '../domain/notification-delivery.js';
import type { Clock } from '../service/ports/runtime.js';
import type { Channel } from './channel.js';
import { escapeSlack, truncate } from './escape.js';
import { postJson } from './http-post.js';
import { composeMessage, type Message, type MessageContext } from './message.js';
import { slackIdOf, type People } from './people.js';

/** Slack's limits: blocks a message, characters a text, a header's text, fields a section. */
const MAX_BLOCKS = 50;
const MAX_TEXT = 3000;
const MAX_HEADER = 150;
const MAX_FIELDS = 10;
const MAX_FIELD = 2000;

export interface SlackOptions {
  name: string;
  /** The incoming webhook's URL: a secret. */
  url: string;
  timeoutMs: number;
  people: People;
  context: MessageContext;
  clock: Clock;
}

/** A Slack incoming webhook, posted Block Kit messages. */
export function slackChannel(options: SlackOptions): Channel {
  return {
    name: options.name,
    kind: 'slack',
    deliver: (n: StoredNotification) =>
      postJson(
        options.url,
        JSON.stringify(slackPayload(composeMessage(n, options.context), options.people, n.key)),
        {
          timeoutMs: options.timeoutMs,
          nowMs: options.clock.now(),
        },
      ),
  };
}

const plain = (text: string, max = MAX_TEXT) => ({
  type: 'plain_text',
  text: truncate(text, max),
  emoji: false,
});
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text: truncate(text, MAX_TEXT) });

/**
 * The Block Kit message: header, summary with mentions, facts, commands, a button to the exception.
 * User text goes only into plain_text objects (never parsed as mrkdwn) and is escaped as Slack asks.
 */
export function slackPayload(
  message: Message,
  people: People,
  /** The notification's idempotency key, shown small: a reader tells a repeat by it (decision 0012). */
  key?: string,
): { text: string; blocks: object[] } {
  const mentions = message.recipients.map((id) => {
    const member = slackIdOf(people, id);
    return member ? `<@${escapeSlack(member)}>` : escapeSlack(id);
  });
  const blocks: object[] = [
    { type: 'header', text: plain(escapeSlack(message.title), MAX_HEADER) },
    { type: 'section', text: plain(escapeSlack(message.summary)) },
  ];
  if (mentions.length) blocks.push({ type: 'section', text: mrkdwn(`For: ${mentions.join(', ')}`) });
  for (let i = 0; i < message.facts.length; i += MAX_FIELDS)
    blocks.push({
      type: 'section',
      fields: message.facts
        .slice(i, i + MAX_FIELDS)
        .map((f) => plain(`${escapeSlack(f.label)}: ${escapeSlack(f.value)}`, MAX_FIELD)),
    });
  if (message.actions.length)
    blocks.push({
      type: 'context',
      elements: message.actions.map((a) => plain(escapeSlack(`${a.label}: ${a.command}`))),
    });
  if (message.link)
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: plain('Open in Waiver', 75), url: message.link }],
    });
  const footer = key ? [{ type: 'context', elements: [plain(`Waiver notification ${key}`)] }] : [];
  return {
    text: truncate(escapeSlack(message.title), MAX_TEXT),
    blocks: [...blocks.slice(0, MAX_BLOCKS - footer.length), ...footer],
  };
}
