import type { ExceptionRecord } from '../domain/exception.js';
import { authorize, type Actor } from './actor.js';
import { changeState } from './change-state.js';
import type { ServiceDeps } from './deps.js';
import { syncOrReport } from './sync-target.js';

/** Revoke: the exception ends now, before its expiry; the target removal follows the commit. */
export async function revokeException(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  comment?: string,
): Promise<ExceptionRecord> {
  authorize(actor, 'revoke');
  const revoked = await changeState(deps, actor, ref, 'revoke', { comment });
  return syncOrReport(deps, actor, revoked, 'delete');
}
