import type { RevokeClosure } from '../domain/controls.js';
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
  closure?: RevokeClosure,
): Promise<ExceptionRecord> {
  authorize(actor, 'revoke');
  const revoked = await changeState(deps, actor, ref, 'revoke', { comment, ...(closure ? { closure } : {}) });
  return syncOrReport(deps, actor, revoked, 'delete');
}
