import { formatId, type ExceptionRecord } from '../domain/exception.js';
import { authorize, type Actor } from './actor.js';
import { applyTransition } from './change-state.js';
import type { ServiceDeps } from './deps.js';
import type { StoreWriter } from './ports/store.js';
import { resolveException } from './resolve.js';
import { syncOrReport } from './sync-target.js';
import { targetOf } from './targets.js';

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
  const { exception, superseded } = await deps.store.transaction(async (tx) =>
    markApplied(deps, tx, actor, await resolveException(tx, ref), comment),
  );
  const written = await syncOrReport(deps, actor, exception, 'write');
  return superseded ? { exception: written, superseded } : { exception: written };
}

/** The store's half of apply, inside the caller's transaction: active, and its predecessor superseded. */
export async function markApplied(
  deps: ServiceDeps,
  tx: StoreWriter,
  actor: Actor,
  record: ExceptionRecord,
  comment: string | undefined,
): Promise<ApplyResult> {
  // A target this process lacks is refused before the state changes: never made active to fail later.
  targetOf(deps, record);
  const applied = await applyTransition(deps, tx, actor, record, 'apply', {
    comment,
    data: { expiresAt: record.expiresAt, target: record.target },
  });
  const previous = record.renewalOf === null ? undefined : await tx.getException(record.renewalOf);
  if (previous?.state !== 'active') return { exception: applied };
  // A renewal keeps its predecessor's name, so its write replaces the object: nothing is left to delete.
  const done = await applyTransition(deps, tx, actor, previous, 'supersede', {
    data: { by: formatId(applied.id) },
    set: { syncStatus: 'synced' },
  });
  return { exception: applied, superseded: done };
}
