import { ApiException } from '@kubernetes/client-node';
import { messageOf } from '../../domain/errors.js';

/** Whether trying again may help: the server failed, timed out, or a write raced another. */
export function isTransient(e: unknown): boolean {
  if (e instanceof ApiException) return e.code >= 500 || e.code === 409 || e.code === 429;
  return true; // network errors and timeouts
}

export const isNotFound = (e: unknown): boolean => e instanceof ApiException && e.code === 404;

/** A 404 for the resource type itself, not for one object: the API (a CRD) is not served. */
export const isResourceUnknown = (e: unknown): boolean =>
  isNotFound(e) &&
  typeof (e as ApiException<unknown>).body === 'string' &&
  String((e as ApiException<unknown>).body).includes('the server could not find the requested resource');

/** One line for a failed API call: the Status message when the server sent one, the cause otherwise. */
export function describeKubeError(e: unknown, server: string): string {
  if (e instanceof ApiException) {
    const body =
      typeof e.body === 'string' ? safeJson(e.body) : (e.body as Record<string, unknown> | undefined);
    const message = typeof body?.['message'] === 'string' ? body['message'] : `HTTP ${e.code}`;
    const reason = typeof body?.['reason'] === 'string' ? `${body['reason']}: ` : '';
    return `the cluster refused (${e.code} ${reason}${message})`;
  }
  const cause = (e as { cause?: unknown }).cause;
  return `cannot reach the cluster at ${server}: ${messageOf(cause ?? e)}`;
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
