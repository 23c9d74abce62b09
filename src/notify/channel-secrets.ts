import type { ChannelSettings } from '../domain/notification-channels.js';
import { secretFragments } from '../domain/redact.js';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/**
 * What a channel's receiver might echo of its secrets: a Slack or Teams URL (a secret whole), a webhook
 * URL's query values and its signing secret, the SMTP password and AUTH PLAIN's encoding of it.
 */
export function channelSecrets(c: ChannelSettings): string[] {
  switch (c.type) {
    case 'slack':
    case 'teams':
      return secretFragments(c.url);
    case 'webhook':
      return [
        ...secretFragments(c.url, { wholeUrl: false }),
        ...secretFragments(c.secret),
        ...secretFragments(c.secret.replace(/^whsec_/, '')),
      ];
    case 'email': {
      const { user, password } = c.smtp;
      if (!password) return [];
      return [password, base64(password), base64(`\0${user ?? ''}\0${password}`)].flatMap((s) =>
        secretFragments(s),
      );
    }
    case 'log':
      return [];
  }
}
