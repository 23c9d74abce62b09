import { readFileSync } from 'node:fs';
import { messageOf, WaiverError } from '../domain/errors.js';
import type { ChannelSettings, NotificationSettings } from '../domain/notification-channels.js';
import { defaultRouting, type NotificationRouting } from '../domain/notification-routes.js';
import type { ConfigFile, NotificationsFile } from './schema.js';

type Secret = { env?: string | undefined; file?: string | undefined };

/** How configuration paths are resolved (relative to the file) and where secrets are read. */
export interface SecretSources {
  env: NodeJS.ProcessEnv;
  fromFile: (path: string | undefined) => string | undefined;
}

/** The built-in channel: the log (stderr, or the server's JSON log). */
const LOG = 'log';

/**
 * Notifications as the process runs them: channels with their secrets read, routes checked against the
 * channels, and the defaults. Without `notifications.channels`, everything goes to the log. A missing
 * secret or an unknown channel is refused here, at start-up, in one line naming the key.
 */
export function notificationsConfig(
  file: ConfigFile,
  sources: SecretSources,
): { settings: NotificationSettings; routing: NotificationRouting } {
  const n: NotificationsFile = file.notifications ?? {};
  const channels: ChannelSettings[] = Object.entries(n.channels ?? {}).map(([name, c]) =>
    channelSettings(name, c, sources),
  );
  if (!channels.some((c) => c.name === LOG)) channels.push({ name: LOG, type: 'log' });
  const names = new Set(channels.map((c) => c.name));
  (n.routes ?? []).forEach((route, i) =>
    route.channels.forEach((channel, j) => {
      if (!names.has(channel))
        fail(
          `notifications.routes.${i}.channels.${j}`,
          `names "${channel}", which is not among notifications.channels (${[...names].join(', ')})`,
        );
    }),
  );
  const configured = channels.filter((c) => c.name !== LOG).map((c) => c.name);
  const routes = n.routes ?? (configured.length ? [{ channels: configured }] : defaultRouting.routes);
  return {
    routing: {
      routes,
      groups: {
        approvers: n.groups?.approvers ?? [],
        security: n.groups?.security ?? [],
        policyOwners: n.groups?.policyOwners ?? {},
      },
      wholeExceptionChannels: channels.filter((c) => c.type === 'webhook').map((c) => c.name),
    },
    settings: {
      channels,
      people: n.people ?? {},
      publicUrl: file.server?.publicUrl,
      backoff: {
        baseMs: (n.backoffSeconds ?? 30) * 1000,
        capMs: (n.maxBackoffSeconds ?? 3600) * 1000,
        maxAttempts: n.maxAttempts ?? 8,
      },
      intervalMs: (n.intervalSeconds ?? 10) * 1000,
      claimMs: claimMs(n, channels),
    },
  };
}

type ChannelFile = NonNullable<NotificationsFile['channels']>[string];

function channelSettings(name: string, c: ChannelFile, sources: SecretSources): ChannelSettings {
  const key = `notifications.channels.${name}`;
  const timeoutMs = ('timeoutSeconds' in c ? (c.timeoutSeconds ?? 10) : 10) * 1000;
  switch (c.type) {
    case 'log':
      return { name, type: 'log' };
    case 'slack':
    case 'teams': {
      const url = readSecret(`${key}.url`, c.url, sources);
      if (!/^https?:\/\/\S+$/.test(url)) fail(`${key}.url`, 'must hold an http(s) URL');
      return { name, type: c.type, url, timeoutMs };
    }
    case 'webhook': {
      const secret = readSecret(`${key}.secret`, c.secret, sources);
      if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret) || secret.length < 'whsec_'.length + 24)
        fail(`${key}.secret`, 'must hold a Standard Webhooks secret: whsec_ and at least 18 bytes in base64');
      return { name, type: 'webhook', url: c.url, secret, timeoutMs };
    }
    case 'email': {
      const caFile = sources.fromFile(c.caFile);
      return {
        name,
        type: 'email',
        smtp: {
          host: c.host,
          port: c.port ?? (c.tls ? 465 : 587),
          tls: c.tls ?? false,
          starttls: c.starttls ?? 'required',
          user: c.user,
          password: c.password && readSecret(`${key}.password`, c.password, sources),
          ca: caFile === undefined ? undefined : readFrom(`${key}.caFile`, caFile),
          timeoutMs,
        },
        from: c.from,
        replyTo: c.replyTo,
      };
    }
  }
}

export function readSecret(key: string, secret: Secret, sources: SecretSources): string {
  if (secret.env !== undefined) {
    const value = sources.env[secret.env]?.trim();
    if (!value) fail(key, `reads the environment variable ${secret.env}, which is not set`);
    return value;
  }
  return readFrom(key, sources.fromFile(secret.file) ?? '').trim();
}

function readFrom(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    // The error names the file, never what it holds.
    return fail(key, `cannot read ${path}: ${messageOf(e)}`);
  }
}

/**
 * A claim lapses in seconds, so a crashed dispatcher's messages wait that long, no more. It must outlive
 * the delivery it covers: a claim lapsing mid-delivery lets another replica send the message again, and
 * Slack, Teams and mail readers cannot drop a repeat. Default: twice the longest timeout, at least 30 s.
 */
function claimMs(n: NotificationsFile, channels: readonly ChannelSettings[]): number {
  const longest = Math.max(
    0,
    // SMTP's timeout bounds each of connecting, the greeting and each read: three in one delivery.
    ...channels.map((c) => ('timeoutMs' in c ? c.timeoutMs : c.type === 'email' ? 3 * c.smtp.timeoutMs : 0)),
  );
  if (n.claimSeconds === undefined) return Math.max(30_000, 2 * longest);
  if (n.claimSeconds * 1000 <= longest)
    fail(
      'notifications.claimSeconds',
      `must be longer than every channel's timeout (the longest is ${longest / 1000} s): a claim must outlive the delivery it covers`,
    );
  return n.claimSeconds * 1000;
}

function fail(key: string, message: string): never {
  throw new WaiverError('usage', `${key} ${message}`, key);
}
