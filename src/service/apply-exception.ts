import { WaiverError } from '../domain/errors.js';
import { formatId, type ExceptionRecord } from '../domain/exception.js';
import { authorize, type Actor } from './actor.js';
import { applyTransition } from './change-state.js';
import type { ServiceDeps } from './deps.js';
import { resolveException } from './resolve.js';
import { syncToTarget } from './sync-target.js';

export interface ApplyResult {
  exception: ExceptionRecord;
  superseded?: ExceptionRecord;
}

/**
 * Apply: the store marks the exception active (and a renewed predecessor superseded) in one transaction;
 * then the target is written. A failed write leaves `syncStatus: error` for the next sweep to retry.
 */
export async function applyException(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  comment?: string,
): Promise<ApplyResult> {
  authorize(actor, 'apply');
  const { exception, superseded } = await deps.store.transaction(async (tx) => {
    const record = await resolveException(tx, ref);
    const applied = await applyTransition(deps, tx, actor, record, 'apply', {
      comment,
      data: { expiresAt: record.expiresAt },
    });
    const previous = record.renewalOf === null ? undefined : await tx.getException(record.renewalOf);
    if (previous?.state !== 'active') return { exception: applied };
    const ended = await applyTransition(deps, tx, actor, previous, 'supersede', {
      data: { by: formatId(applied.id) },
    });
    // Same name: the renewal's write replaces the object, so there is nothing left to delete.
    const done =
      ended.name === applied.name ? await tx.updateException({ ...ended, syncStatus: 'synced' }) : ended;
    return { exception: applied, superseded: done };
  });
  const written = await syncToTarget(deps, actor, exception, 'write');
  const removed =
    superseded?.syncStatus === 'pending' ? await syncToTarget(deps, actor, superseded, 'delete') : superseded;
  if (written.syncStatus === 'error') {
    throw new WaiverError(
      'target',
      `${formatId(written.id)} is active, but writing it to ${deps.target.description} failed: ${written.syncError ?? ''}; the next sweep retries`,
      'target',
    );
  }
  return removed ? { exception: written, superseded: removed } : { exception: written };
}
