import { WaiverError } from './errors.js';

/**
 * Masks secrets in text that came back from outside (a channel's, a forge's, a cluster's reply) before it
 * is logged, stored or shown. Receivers that fail often echo what they got: a webhook's secret URL, a
 * token, a password. Two kinds of masking, in this order:
 *
 * 1. the configured secrets, by value (longest first), with the parts of a secret URL that carry its
 *    secret (its path and query, their random-looking segments and values) and their usual encodings;
 * 2. anything that looks like a credential: bearer and basic headers, userinfo in URLs, `token=`,
 *    `password=` and kin, known token formats (Slack, GitHub, GitLab, Standard Webhooks, JWT, AWS keys),
 *    long hex and long mixed-case base64 strings.
 */

export const MASK = '***';

/** Secrets this short are not masked by value: masking them would mangle ordinary words. */
const MIN_SECRET = 4;

/** A URL path segment or query value that looks generated, not like a word. */
const looksRandom = (s: string): boolean =>
  s.length >= 8 && (/\d/.test(s) || (/[a-z]/.test(s) && /[A-Z]/.test(s)) || s.length >= 20);

/**
 * What to mask for one configured secret: the value, and for an http(s) URL its path with query, its
 * query, each query value and each random-looking path segment; each with its URL and JSON encodings.
 * `wholeUrl: false` (a webhook whose URL is not itself the secret): only the query's values and userinfo.
 */
export function secretFragments(secret: string, options: { wholeUrl?: boolean } = {}): string[] {
  const wholeUrl = options.wholeUrl !== false;
  const parts: string[] = wholeUrl ? [secret] : [];
  const url = parseHttpUrl(secret);
  if (url) {
    if (url.password) parts.push(url.password, decodeSafe(url.password));
    if (url.username && wholeUrl) parts.push(url.username);
    for (const [, value] of url.searchParams) parts.push(value);
    if (wholeUrl) {
      if (url.search) parts.push(url.search.slice(1));
      if (url.pathname.length > 1) {
        parts.push(url.pathname + url.search, url.host + url.pathname);
        for (const segment of url.pathname.split('/')) if (looksRandom(segment)) parts.push(segment);
      }
    }
  }
  const out = new Set<string>();
  for (const p of parts) {
    if (p.length < MIN_SECRET) continue;
    out.add(p);
    out.add(encodeURIComponent(p));
    out.add(JSON.stringify(p).slice(1, -1));
    out.add(p.replace(/\//g, '\\/'));
  }
  return [...out].filter((p) => p.length >= MIN_SECRET);
}

function parseHttpUrl(text: string): URL | undefined {
  if (!/^https?:\/\//i.test(text)) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Parameter and field names whose value is a secret (`token=…`, `"password": "…"`, `sig=…`). */
const SECRET_NAMES =
  '(?:[A-Za-z0-9]*[_-])?(?:access[_-]?token|refresh[_-]?token|id[_-]?token|private[_-]?token|token|api[_-]?key|apikey|key|secret|client[_-]?secret|password|passwd|pwd|pass|passphrase|sig|signature|auth|credentials?|session)';

const patterns: readonly [RegExp, string | ((match: string, ...groups: string[]) => string)][] = [
  // userinfo in a URL: https://user:token@host
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s"'<>]+@/gi, `$1${MASK}@`],
  // Authorization and kin, with or without a scheme
  [
    /\b((?:proxy-)?authorization|private-token|x-api-key|api-key|x-auth-token|x-access-token|cookie|set-cookie)("?\s*[:=]\s*"?)((?:(?:bearer|basic|token|digest|negotiate)\s+)?)[^\s",;]+/gi,
    `$1$2$3${MASK}`,
  ],
  [
    /\b(bearer|basic|token|digest)\s+([A-Za-z0-9._~+/=-]{8,})/gi,
    (m, scheme: string, value: string) => (/\d/.test(value) || value.length >= 20 ? `${scheme} ${MASK}` : m),
  ],
  // name=value, name: value, "name":"value"
  [
    new RegExp(`(\\b${SECRET_NAMES})(["']?\\s*[=:]\\s*["']?)(?!\\*\\*\\*)[^\\s"'&,;}<>)]+`, 'gi'),
    `$1$2${MASK}`,
  ],
  // known token formats
  [/\bxox[abposre]-[A-Za-z0-9-]{8,}/g, MASK],
  [/\bxapp-[A-Za-z0-9-]{8,}/g, MASK],
  [/\bgh[pousr]_[A-Za-z0-9]{16,}/g, MASK],
  [/\bgithub_pat_[A-Za-z0-9_]{16,}/g, MASK],
  [/\bglpat-[A-Za-z0-9_-]{16,}/g, MASK],
  [/\bwhsec_[A-Za-z0-9+/=]{8,}/g, MASK],
  [/\bAKIA[0-9A-Z]{16}\b/g, MASK],
  [/\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, MASK],
  // long hex (keys, digests) and long base64 that mixes cases and digits (generated secrets)
  [/\b[0-9a-fA-F]{32,}\b/g, MASK],
  [/[A-Za-z0-9+/_-]{32,}={0,2}/g, (m) => (/\d/.test(m) && /[a-z]/.test(m) && /[A-Z]/.test(m) ? MASK : m)],
];

/** A function that masks the given secrets and everything that looks like a credential. */
export type Redact = (text: string) => string;

export function redactor(secrets: readonly string[] = []): Redact {
  const values = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET))].sort(
    (a, b) => b.length - a.length,
  );
  return (text: string): string => {
    let out = text;
    for (const value of values) if (out.includes(value)) out = out.split(value).join(MASK);
    for (const [pattern, replacement] of patterns)
      out = out.replace(pattern, replacement as (m: string, ...g: string[]) => string);
    return out;
  };
}

/** Patterns only: for text from before this process's configuration (older rows, older events). */
export const redactCredentials: Redact = redactor();

/** A short excerpt, masked first (a cut must not leave half a secret unrecognised), on one line. */
export function excerpt(text: string, redact: Redact, max = 300): string {
  const one = redact(text).replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/**
 * A stored delivery error as everyone but an admin sees it: its status and host (`HTTP 401 from
 * hooks.slack.com`, `mail.example.com:587: 535`), without what the receiver said.
 */
export function deliveryErrorSummary(error: string): string {
  const http = /^HTTP (\d{3}) from (\S+?)(?::\s|$)/.exec(error);
  if (http) return `HTTP ${http[1]} from ${http[2]}`;
  const hostPart = /^(\[[0-9a-f:.]+\](?::\d+)?|[A-Za-z0-9.-]+(?::\d+)?): (.*)$/.exec(error);
  if (hostPart) {
    const [, host, rest = ''] = hostPart;
    const smtp = /^(\d{3})\b/.exec(rest);
    if (smtp) return `${host}: ${smtp[1]}`;
    if (/^no answer within \d+ ms$/.test(rest)) return `${host}: ${rest}`;
    const code = /\b(E[A-Z]{3,}|ERR_[A-Z_]+)\b/.exec(rest);
    return `${host}: ${code ? code[1] : 'delivery failed'}`;
  }
  const channel = /^channel "[^"]*" is not configured$/.exec(error);
  if (channel) return error;
  return 'delivery failed (an admin sees the details)';
}

/**
 * An audit event as it is shown: the error a target gave (`sync_failed`'s `error`), masked. The stored
 * event, and so its hash, is never changed: `audit --verify` checks the chain as it was written.
 */
export function redactEvent<E extends { data: Record<string, unknown> }>(event: E, redact: Redact): E {
  const error = event.data['error'];
  if (typeof error !== 'string') return event;
  const masked = redact(error);
  return masked === error ? event : { ...event, data: { ...event.data, error: masked } };
}

/** A record (or its view) as it is shown: its sync error, from a target, masked. */
export function redactSyncError<R extends { syncError: string | null }>(record: R, redact: Redact): R {
  if (record.syncError === null) return record;
  const masked = redact(record.syncError);
  return masked === record.syncError ? record : { ...record, syncError: masked };
}

/** An error whose message is masked; a WaiverError keeps its code and field. The cause is dropped. */
export function redactError(e: unknown, redact: Redact): Error {
  if (e instanceof WaiverError) return new WaiverError(e.code, redact(e.message), e.field, e.issues);
  return new Error(redact(e instanceof Error ? e.message : String(e)));
}
