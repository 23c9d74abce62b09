/** How a failed delivery is tried again: doubling waits up to a cap, and dead after `maxAttempts` tries. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  maxAttempts: number;
}

/** A receiver's Retry-After is honoured up to this long; a larger one is taken as this. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60_000;

/**
 * When to try again after the `attempt`-th try (1 for the first) failed, or undefined when that was the
 * last one: base, 2×base, 4×base … capped, and never sooner than the receiver's Retry-After.
 */
export function nextAttemptMs(
  nowMs: number,
  attempt: number,
  policy: BackoffPolicy,
  retryAfterMs?: number,
): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  return nowMs + Math.max(backoffMs(attempt, policy), Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
}

/** The wait after the `attempt`-th failure in a row (1 for the first): base, 2×base, 4×base … capped. */
export function backoffMs(attempt: number, policy: Pick<BackoffPolicy, 'baseMs' | 'capMs'>): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
}
