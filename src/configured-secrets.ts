import { redactor, secretFragments, type Redact } from './domain/redact.js';
import { channelSecrets } from './notify/channel-secrets.js';
import { isPostgresUrl, type Config } from './config/load.js';

/**
 * Every secret the configuration holds, as the text to mask wherever it might be echoed: channel URLs
 * (a Slack or Teams URL is a secret whole; a webhook's query values), the signing secret and its key, the
 * SMTP password (and AUTH PLAIN's encoding of it), Git and forge tokens (and git's basic header), the
 * database URL's password, the remote token and the first admin token.
 */
export function configuredSecrets(config: Config): string[] {
  const out: string[] = [];
  const add = (...values: (string | undefined)[]) => {
    for (const v of values) if (v) out.push(...secretFragments(v));
  };
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  for (const c of config.notifications.channels) out.push(...channelSecrets(c));
  for (const t of Object.values(config.targets)) {
    if (t.kind !== 'git') continue;
    if (t.token) add(t.token, base64(`x-access-token:${t.token}`));
    if (t.pullRequests) add(t.pullRequests.token);
    if (/^[\w+.-]+:\/\//.test(t.repository)) out.push(...secretFragments(t.repository, { wholeUrl: false }));
  }
  if (isPostgresUrl(config.database)) {
    const password = /^[^:]+:\/\/[^:/@]+:([^@/]+)@/.exec(config.database)?.[1];
    if (password) add(password, decodeSafe(password));
  }
  add(config.remote?.token, config.server.adminToken);
  return out;
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The process's one scrubber: its configured secrets and anything that looks like a credential. */
export const configuredRedactor = (config: Config): Redact => redactor(configuredSecrets(config));
