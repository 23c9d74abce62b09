import { messageOf, WaiverError } from '../domain/errors.js';
import { formatId, type ExceptionRecord, type SyncStatus } from '../domain/exception.js';
import { renderPolicyException } from '../domain/render.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import type { Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';

/** `release`: nothing to delete, because a live successor holds the same name. */
export type SyncOperation = 'write' | 'delete' | 'release';

/**
 * Converges the target to one record after its state was committed: write an active exception, delete
 * an ended one. Idempotent, so a retry after a crash or failure is safe. The outcome is recorded as
 * `synced` or `sync_failed`; a failure never throws, the next sweep retries.
 */
export async function syncToTarget(
  deps: ServiceDeps,
  actor: Actor,
  record: ExceptionRecord,
  operation: SyncOperation,
  nowMs?: number,
): Promise<ExceptionRecord> {
  try {
    if (operation === 'write') await deps.target.write(renderPolicyException(record, deps.settings));
    if (operation === 'delete') await deps.target.remove(deps.settings.exceptionNamespace, record.name);
  } catch (e) {
    return recordSync(deps, actor, record.id, operation, nowMs, messageOf(e));
  }
  return recordSync(deps, actor, record.id, operation, nowMs);
}

/**
 * For a person's action (apply, revoke): the state change is committed either way, but a failed target
 * operation is reported to them as an error rather than left for the log.
 */
export async function syncOrReport(
  deps: ServiceDeps,
  actor: Actor,
  record: ExceptionRecord,
  operation: 'write' | 'delete',
): Promise<ExceptionRecord> {
  const synced = await syncToTarget(deps, actor, record, operation);
  if (synced.syncStatus !== 'error') return synced;
  const what = operation === 'write' ? `writing it to` : `removing it from`;
  throw new WaiverError(
    'target',
    `${formatId(synced.id)} is ${synced.state}, but ${what} ${deps.target.description} failed: ${synced.syncError ?? ''}; the next sweep retries`,
    'target',
  );
}

/** Saves the outcome of a target operation: sync status and its audit event, one transaction. */
export function recordSync(
  deps: ServiceDeps,
  actor: Actor,
  id: number,
  operation: SyncOperation,
  nowMs: number | undefined,
  error?: string,
): Promise<ExceptionRecord> {
  const at = toRfc3339(wholeSeconds(nowMs ?? deps.clock.now()));
  return deps.store.transaction(async (tx) => {
    const current = await tx.getException(id);
    if (!current) throw new WaiverError('not_found', `${formatId(id)} vanished during sync`, 'id');
    const syncStatus: SyncStatus = error === undefined ? 'synced' : 'error';
    const saved = await tx.updateException({ ...current, syncStatus, syncError: error ?? null });
    await tx.appendAudit({
      at,
      actor: actor.name,
      action: error === undefined ? 'synced' : 'sync_failed',
      exceptionId: id,
      data: { operation, target: deps.target.description, ...(error === undefined ? {} : { error }) },
    });
    return saved;
  });
}
