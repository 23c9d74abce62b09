import { WaiverError } from '../domain/errors.js';
import { formatId, type ExceptionRecord } from '../domain/exception.js';
import { authorize, type Actor } from './actor.js';
import { applyTransition } from './change-state.js';
import type { ServiceDeps } from './deps.js';
import { resolveException } from './resolve.js';
import { syncToTarget } from './sync-target.js';

/** Revoke: the exception ends now, before its expiry; the target removal follows the commit. */
export async function revokeException(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  comment?: string,
): Promise<ExceptionRecord> {
  authorize(actor, 'revoke');
  const revoked = await deps.store.transaction(async (tx) =>
    applyTransition(deps, tx, actor, await resolveException(tx, ref), 'revoke', { comment }),
  );
  const removed = await syncToTarget(deps, actor, revoked, 'delete');
  if (removed.syncStatus === 'error') {
    throw new WaiverError(
      'target',
      `${formatId(removed.id)} is revoked, but removing it from ${deps.target.description} failed: ${removed.syncError ?? ''}; the next sweep retries`,
      'target',
    );
  }
  return removed;
}
