import { messageOf, WaiverError } from '../domain/errors.js';
import { formatId, type ExceptionRecord, type SyncStatus } from '../domain/exception.js';
import { renderManifest } from '../domain/render.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import type { Actor } from './actor.js';
import { mapBounded, TARGET_CONCURRENCY } from './bounded.js';
import type { ServiceDeps } from './deps.js';
import type { TargetReceipt } from '../domain/target-receipt.js';
import type { StoreWriter } from './ports/store.js';
import { targetOf } from './targets.js';
import { recordEvent } from './record-event.js';

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
  const [synced] = await syncAll(deps, actor, [record], operation, nowMs);
  return synced ?? record;
}

/**
 * `syncToTarget` for many records: the target operations run side by side (bounded), then one
 * transaction records every outcome.
 */
export async function syncAll(
  deps: ServiceDeps,
  actor: Actor,
  records: readonly ExceptionRecord[],
  operation: SyncOperation,
  nowMs?: number,
): Promise<ExceptionRecord[]> {
  const outcomes = await mapBounded(records, operationsAtOnce(deps, records), (record) =>
    performOnTarget(deps, record, operation),
  );
  return recordSyncs(deps, actor, outcomes, operation, nowMs);
}

/**
 * How many of these records' target operations run at once: all of them when every one goes to a target
 * that batches (a Git repository makes one commit of what it is given together), else TARGET_CONCURRENCY.
 */
export function operationsAtOnce(deps: ServiceDeps, records: readonly ExceptionRecord[]): number {
  const batching = records.every((r) => targetOf(deps, r).target.capabilities.batches);
  return batching ? Math.max(1, records.length) : TARGET_CONCURRENCY;
}

/** Performs one operation on the record's own target; what it did, or why it failed. */
export async function performOnTarget(
  deps: ServiceDeps,
  record: ExceptionRecord,
  operation: SyncOperation,
): Promise<SyncOutcome> {
  try {
    const { target } = targetOf(deps, record);
    const receipt =
      operation === 'write'
        ? await target.write(renderManifest(record, deps.settings))
        : operation === 'delete'
          ? await target.remove(deps.settings.exceptionNamespace, record.name, record.apiVersion)
          : undefined;
    return { id: record.id, receipt: receipt ?? undefined };
  } catch (e) {
    return { id: record.id, error: messageOf(e) };
  }
}

/** How a record's target is named to people: its name and what it is. */
export function targetLabel(deps: ServiceDeps, record: ExceptionRecord): string {
  const named = deps.targets.get(record.target);
  return named ? `target ${named.name} (${named.target.description})` : `target ${record.target}`;
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
    `${formatId(synced.id)} is ${synced.state}, but ${what} ${targetLabel(deps, synced)} failed: ${synced.syncError ?? ''}; the next sweep retries`,
    'target',
  );
}

/** What a target operation did to one record: what the target said, or why it failed. */
export interface SyncOutcome {
  id: number;
  error?: string | undefined;
  receipt?: TargetReceipt | undefined;
  /** A pull request found merged: the change it carried is applied. */
  merged?: { url: string; revision: string | undefined } | undefined;
}

/** Saves the outcomes of target operations, one transaction for all of them. */
export function recordSyncs(
  deps: ServiceDeps,
  actor: Actor,
  outcomes: readonly SyncOutcome[],
  operation: SyncOperation,
  nowMs: number | undefined,
): Promise<ExceptionRecord[]> {
  if (outcomes.length === 0) return Promise.resolve([]);
  const at = toRfc3339(wholeSeconds(nowMs ?? deps.clock.now()));
  return deps.store.transaction(async (tx) => {
    // One read for all of them: each is then found in the transaction rather than read again.
    await tx.listExceptions({ ids: outcomes.map((o) => o.id) });
    const saved: ExceptionRecord[] = [];
    for (const outcome of outcomes) saved.push(await recordSyncIn(deps, tx, actor, outcome, operation, at));
    return saved;
  });
}

/** Saves one outcome inside the caller's transaction. */
export async function recordSyncIn(
  deps: ServiceDeps,
  tx: StoreWriter,
  actor: Actor,
  { id, error, receipt, merged }: SyncOutcome,
  operation: SyncOperation,
  at: string,
): Promise<ExceptionRecord> {
  const current = await tx.getException(id);
  if (!current) throw new WaiverError('not_found', `${formatId(id)} vanished during sync`, 'id');
  const syncStatus: SyncStatus =
    error !== undefined ? 'error' : receipt?.proposal !== undefined ? 'pending-merge' : 'synced';
  const saved = await tx.updateException({
    ...current,
    syncStatus,
    syncError: error ?? null,
    // A failure keeps the last write's revision and request on show; a success replaces them.
    syncRevision:
      error === undefined ? (merged?.revision ?? receipt?.revision ?? null) : current.syncRevision,
    syncUrl: error === undefined ? (merged?.url ?? receipt?.proposal ?? null) : current.syncUrl,
  });
  const action =
    syncStatus === 'error' ? 'sync_failed' : syncStatus === 'pending-merge' ? 'change_proposed' : 'synced';
  await recordEvent(
    deps,
    tx,
    {
      at,
      actor: actor.name,
      action,
      exceptionId: id,
      data: {
        operation,
        target: current.target,
        ...(receipt?.revision === undefined ? {} : { revision: receipt.revision }),
        ...(receipt?.proposal === undefined ? {} : { proposal: receipt.proposal }),
        ...(merged ? { merged: merged.url, ...(merged.revision ? { revision: merged.revision } : {}) } : {}),
        ...(error === undefined ? {} : { error }),
      },
    },
    { record: saved, before: current },
  );
  return saved;
}
