import type { StoredNotification } from '../domain/notification-delivery.js';
import type { Channel } from './channel.js';
import { composeMessage, type MessageContext } from './message.js';

/** Until a channel is configured, notifications go to the log (stderr), one line each. */
export function logChannel(name: string, write: (line: string) => void, context: MessageContext): Channel {
  return {
    name,
    kind: 'log',
    deliver(n: StoredNotification): Promise<void> {
      const message = composeMessage(n, context);
      const to = message.recipients.length ? message.recipients.join(', ') : 'nobody named';
      // One line whatever the user wrote: a newline in a reason cannot forge a second entry.
      write(`${n.event}: ${message.title}: ${message.summary} [to: ${to}]`.replace(/[\r\n]+/g, ' '));
      return Promise.resolve();
    },
  };
}
