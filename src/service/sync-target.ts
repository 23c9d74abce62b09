import type { ExceptionRecord, SyncStatus } from '../domain/exception.js';
import { renderPolicyException } from '../domain/render.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import type { Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';

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
    return recordSync(deps, actor, record.id, operation, nowMs, e instanceof Error ? e.message : String(e));
  }
  return recordSync(deps, actor, record.id, operation, nowMs);
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
    if (!current) throw new Error(`exception ${id} vanished during sync`);
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
