import type { NotificationSettings } from '../domain/notification-channels.js';
import type { Clock } from '../service/ports/runtime.js';
import type { Channel } from './channel.js';
import { channelSecrets } from './channel-secrets.js';
import { emailChannel } from './email-channel.js';
import { logChannel } from './log-channel.js';
import { slackChannel } from './slack-channel.js';
import { teamsChannel } from './teams-channel.js';
import { webhookChannel } from './webhook-channel.js';

/** The configured channels, ready to deliver; `log` writes where the process logs. */
export function openChannels(
  settings: NotificationSettings,
  options: { log: (line: string) => void; clock: Clock },
): Channel[] {
  const context = { publicUrl: settings.publicUrl };
  const { clock } = options;
  return settings.channels.map((c) => ({ ...open(c), secrets: channelSecrets(c) }));

  function open(c: NotificationSettings['channels'][number]): Channel {
    switch (c.type) {
      case 'log':
        return logChannel(c.name, options.log, context);
      case 'slack':
        return slackChannel({ ...c, people: settings.people, context, clock });
      case 'teams':
        return teamsChannel({ ...c, context, clock });
      case 'webhook':
        return webhookChannel({ ...c, clock });
      case 'email':
        return emailChannel({ ...c, people: settings.people, context });
    }
  }
}
