import { isWaiverError, WaiverError, type ErrorCode } from '../domain/errors.js';
import { formatId, parseIdRef, type ExceptionRecord } from '../domain/exception.js';
import { exceptionView, type ExceptionView } from '../domain/view.js';
import { authorize, type Actor, type Permission } from './actor.js';
import { markApplied, type ApplyResult } from './apply-exception.js';
import { applyTransition } from './change-state.js';
import type { ServiceDeps } from './deps.js';
import type { StoreWriter } from './ports/store.js';
import { resolveException } from './resolve.js';
import { syncAll, targetLabel } from './sync-target.js';

/** The actions people take on many exceptions at once. */
export const batchActions = ['approve', 'reject', 'apply'] as const;
export type BatchAction = (typeof batchActions)[number];

/** At most this many ids in one batch: one transaction holds the write lock for all of them. */
export const MAX_BATCH = 1000;

/** One id's outcome: the exception after the action, or why it was refused (the rest went on). */
export type BatchItem =
  | { ref: string; ok: true; exception: ExceptionView; superseded?: ExceptionView }
  | { ref: string; ok: false; error: { code: ErrorCode; message: string; field?: string } };

export interface BatchReport {
  /** `request` creates every exception or none (`requestExceptions`); the others answer id by id. */
  action: BatchAction | 'request';
  items: BatchItem[];
}

const permissions: Record<BatchAction, Permission> = { approve: 'review', reject: 'review', apply: 'apply' };

/** The errors that refuse one id; any other ends the whole batch, which is then rolled back. */
const refusals: ReadonlySet<ErrorCode> = new Set([
  'usage',
  'not_found',
  'guardrail',
  'forbidden',
  'illegal_transition',
  'conflict',
]);

/** What one id came to inside the transaction: changed, or refused with the rule it broke. */
type Step = { ref: string; done: ApplyResult } | { ref: string; refused: WaiverError };

/**
 * One action on many exceptions: each id is resolved, checked and audited on its own and all of them
 * are committed together; an id that is refused (unknown, in the wrong state, the caller's own request)
 * is reported and never blocks the rest. An apply then writes the target, several at a time, and records
 * every outcome in one more transaction; a failed write is reported for its id, and the sweep retries it.
 */
export async function runBatch(
  deps: ServiceDeps,
  actor: Actor,
  action: BatchAction,
  refs: readonly string[],
  comment?: string,
): Promise<BatchReport> {
  authorize(actor, permissions[action]);
  if (refs.length === 0) throw new WaiverError('usage', 'name at least one exception', 'ids');
  if (refs.length > MAX_BATCH)
    throw new WaiverError('usage', `at most ${MAX_BATCH} exceptions in one batch, not ${refs.length}`, 'ids');
  const steps = await deps.store.transaction(async (tx) => {
    // The rows named by id are read in one statement: the transaction keeps what it read, so each
    // step's own read below costs no statement.
    const ids = refs.flatMap((ref) => parseIdRef(ref) ?? []);
    if (ids.length > 1) await tx.listExceptions({ ids });
    const taken: Step[] = [];
    for (const ref of refs) taken.push(await step(deps, tx, actor, action, ref, comment));
    return taken;
  });
  const written = action === 'apply' ? await writeApplied(deps, actor, steps) : new Map();
  const now = deps.clock.now();
  return { action, items: steps.map((s) => report(s, written, now, deps)) };
}

async function step(
  deps: ServiceDeps,
  tx: StoreWriter,
  actor: Actor,
  action: BatchAction,
  ref: string,
  comment: string | undefined,
): Promise<Step> {
  try {
    const record = await resolveException(tx, ref);
    if (action === 'apply') return { ref, done: await markApplied(deps, tx, actor, record, comment) };
    return { ref, done: { exception: await applyTransition(deps, tx, actor, record, action, { comment }) } };
  } catch (e) {
    // A rule's refusal is this id's answer; anything else (the database failing) ends the batch.
    if (isWaiverError(e) && refusals.has(e.code)) return { ref, refused: e };
    throw e;
  }
}

/** Writes every applied exception to the target; the records as synced, by id. */
async function writeApplied(
  deps: ServiceDeps,
  actor: Actor,
  steps: readonly Step[],
): Promise<Map<number, ExceptionRecord>> {
  const applied = steps.flatMap((s) => ('done' in s ? [s.done.exception] : []));
  const synced = await syncAll(deps, actor, applied, 'write');
  return new Map(synced.map((r) => [r.id, r]));
}

function report(
  s: Step,
  written: ReadonlyMap<number, ExceptionRecord>,
  now: number,
  deps: ServiceDeps,
): BatchItem {
  if ('refused' in s) return refusal(s.ref, s.refused);
  const exception = written.get(s.done.exception.id) ?? s.done.exception;
  if (exception.syncStatus === 'error')
    return refusal(
      s.ref,
      new WaiverError(
        'target',
        `${formatId(exception.id)} is ${exception.state}, but writing it to ${targetLabel(deps, exception)} failed: ${exception.syncError ?? ''}; the next sweep retries`,
        'target',
      ),
    );
  const superseded = s.done.superseded;
  return {
    ref: s.ref,
    ok: true,
    exception: exceptionView(exception, now),
    ...(superseded ? { superseded: exceptionView(superseded, now) } : {}),
  };
}

const refusal = (ref: string, e: WaiverError): BatchItem => ({
  ref,
  ok: false,
  error: { code: e.code, message: e.message, ...(e.field === undefined ? {} : { field: e.field }) },
});
