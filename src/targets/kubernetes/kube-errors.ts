import { messageOf } from '../../domain/errors.js';

/**
 * An error answer of the API server, as client-node's `ApiException` carries it. Recognised by its
 * shape, not its class: the CLI's bundle holds the kubeconfig's part of client-node apart from its
 * generated clients, each with its own copy of the class.
 */
interface ApiError {
  code: number;
  body: unknown;
}

const apiError = (e: unknown): ApiError | undefined =>
  e instanceof Error && typeof (e as Partial<ApiError>).code === 'number' && 'body' in e
    ? (e as unknown as ApiError)
    : undefined;

/** Whether trying again may help: the server failed, timed out, or a write raced another. */
export function isTransient(e: unknown): boolean {
  const answer = apiError(e);
  if (answer) return answer.code >= 500 || answer.code === 409 || answer.code === 429;
  return true; // network errors and timeouts
}

export const isNotFound = (e: unknown): boolean => apiError(e)?.code === 404;

/** A 404 for the resource type itself, not for one object: the API (a CRD) is not served. */
export const isResourceUnknown = (e: unknown): boolean => {
  const body = apiError(e)?.body;
  return (
    isNotFound(e) &&
    typeof body === 'string' &&
    body.includes('the server could not find the requested resource')
  );
};

/** One line for a failed API call: the Status message when the server sent one, the cause otherwise. */
export function describeKubeError(e: unknown, server: string): string {
  const answer = apiError(e);
  if (answer) {
    const body =
      typeof answer.body === 'string'
        ? safeJson(answer.body)
        : (answer.body as Record<string, unknown> | undefined);
    const message = typeof body?.['message'] === 'string' ? body['message'] : `HTTP ${answer.code}`;
    const reason = typeof body?.['reason'] === 'string' ? `${body['reason']}: ` : '';
    return `the cluster refused (${answer.code} ${reason}${message})`;
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
