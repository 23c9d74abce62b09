import { messageOf } from '../domain/errors.js';
import { DeliveryError } from './channel.js';

export interface PostOptions {
  timeoutMs: number;
  headers?: Record<string, string>;
  /** Now, for an HTTP-date Retry-After. */
  nowMs: number;
}

/** What is kept of a failing receiver's reply before it is masked. */
const MAX_REPLY = 8192;

/**
 * POSTs a JSON body. Anything but a 2xx is a `DeliveryError` naming the host only: a Slack or Teams
 * webhook's path is its secret, so it never reaches a message or a log.
 */
export async function postJson(url: string, body: string, options: PostOptions): Promise<void> {
  const host = new URL(url).host;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body,
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    });
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    const why =
      e instanceof Error && e.name === 'TimeoutError'
        ? `no answer within ${options.timeoutMs} ms`
        : messageOf(cause ?? e);
    throw new DeliveryError(`${host}: ${why}`);
  }
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  // Not cut here: the dispatcher masks secrets first, then keeps an excerpt (a cut secret goes unrecognised).
  const text = (await response.text().catch(() => '')).slice(0, MAX_REPLY).replace(/\s+/g, ' ').trim();
  throw new DeliveryError(
    `HTTP ${response.status} from ${host}${text ? `: ${text}` : ''}`,
    retryAfterMs(response.headers.get('retry-after'), options.nowMs),
  );
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
