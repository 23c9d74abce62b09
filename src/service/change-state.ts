import type { RevokeClosure } from '../domain/controls.js';
import type { NewAuditEvent } from '../domain/audit.js';
import { isWaiverError, type WaiverError } from '../domain/errors.js';
import type { ExceptionRecord } from '../domain/exception.js';
import { transition, type Action } from '../domain/lifecycle.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import type { Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { StoreReader, StoreWriter } from './ports/store.js';
import { recordEvent, recordEvents } from './record-event.js';
import { resolveException } from './resolve.js';

export interface ChangeOptions {
  comment?: string | undefined;
  /** A revoke: why it ends early. */
  closure?: RevokeClosure;
  /** Extra audit data. */
  data?: Record<string, unknown>;
  /** The instant to record; defaults to the clock (the sweep passes its own). */
  nowMs?: number;
  /** Bookkeeping saved with the change, so that its event records the row as it stays. */
  set?: Pick<Partial<ExceptionRecord>, 'syncStatus'>;
}

/** Applies one lifecycle action inside a transaction: the changed record and its audit event together. */
export async function applyTransition(
  deps: ServiceDeps,
  tx: StoreWriter,
  actor: Actor,
  record: ExceptionRecord,
  action: Action,
  options: ChangeOptions = {},
): Promise<ExceptionRecord> {
  const { next, event } = await transitionOf(deps, tx, actor, record, action, options);
  const saved = await tx.updateException({ ...next, ...options.set });
  await recordEvent(deps, tx, { ...event, exceptionId: saved.id }, { record: saved, before: record });
  return saved;
}

/** The record as the action leaves it, and the event that records it. */
async function transitionOf(
  deps: ServiceDeps,
  tx: StoreReader,
  actor: Actor,
  record: ExceptionRecord,
  action: Action,
  options: ChangeOptions,
): Promise<{ next: ExceptionRecord; event: NewAuditEvent }> {
  const now = toRfc3339(wholeSeconds(options.nowMs ?? deps.clock.now()));
  const reviews = action === 'approve' || action === 'reject';
  const { record: next, event } = transition(record, action, {
    actor: actor.name,
    now,
    requireDistinctApplier: deps.settings.requireDistinctApplier,
    identitiesIgnoreCase: deps.settings.identitiesIgnoreCase,
    ...(reviews && record.renewalOf !== null
      ? { earlierRequestors: await earlierRequestors(tx, record) }
      : {}),
    ...(options.comment ? { comment: options.comment } : {}),
    ...(options.closure ? { closure: options.closure } : {}),
  });
  return {
    next,
    event: {
      at: now,
      actor: actor.name,
      action: event.action,
      exceptionId: record.id,
      data: { ...event.data, ...options.data },
    },
  };
}

/** What `applyTransitions` did: the records saved, those the lifecycle refused, and those changed meanwhile. */
export interface AppliedTransitions {
  saved: ExceptionRecord[];
  refused: { record: ExceptionRecord; error: WaiverError }[];
  /** Changed by someone else since they were read: not saved; the caller reads them again. */
  conflicts: ExceptionRecord[];
}

/**
 * `applyTransition` on many records in one transaction, with the same records and events as one at a
 * time, but written a chunk a statement (a sweep's thousands of reminders). `optionsOf` gives each
 * record's options.
 */
export async function applyTransitions(
  deps: ServiceDeps,
  tx: StoreWriter,
  actor: Actor,
  records: readonly ExceptionRecord[],
  action: Action,
  optionsOf: (record: ExceptionRecord) => ChangeOptions,
): Promise<AppliedTransitions> {
  const refused: AppliedTransitions['refused'] = [];
  const planned: { before: ExceptionRecord; next: ExceptionRecord; event: NewAuditEvent }[] = [];
  for (const record of records) {
    const options = optionsOf(record);
    try {
      const { next, event } = await transitionOf(deps, tx, actor, record, action, options);
      planned.push({ before: record, next: { ...next, ...options.set }, event });
    } catch (e) {
      if (!isWaiverError(e) || e.code !== 'illegal_transition') throw e;
      refused.push({ record, error: e });
    }
  }
  const { saved, conflicts } = await tx.updateExceptions(
    planned.map(({ before, next }) => ({ record: next, before })),
  );
  const plannedById = new Map(planned.map((p) => [p.before.id, p]));
  const events = saved.flatMap((record) => {
    const p = plannedById.get(record.id);
    return p
      ? [{ event: { ...p.event, exceptionId: record.id }, subject: { record, before: p.before } }]
      : [];
  });
  await recordEvents(deps, tx, events);
  const conflicted = new Set(conflicts);
  return { saved, refused, conflicts: records.filter((r) => conflicted.has(r.id)) };
}

/** Who requested each earlier link of a renewal's chain, newest first. */
async function earlierRequestors(tx: StoreReader, record: ExceptionRecord): Promise<string[]> {
  const found: string[] = [];
  const seen = new Set([record.id]);
  for (let id = record.renewalOf; id !== null && !seen.has(id);) {
    seen.add(id);
    const link = await tx.getException(id);
    if (!link) break;
    found.push(link.requestor);
    id = link.renewalOf;
  }
  return found;
}

/** A use case that is only a lifecycle action: resolve, transition, save — one transaction. */
export function changeState(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  action: Action,
  options: ChangeOptions = {},
): Promise<ExceptionRecord> {
  return deps.store.transaction(async (tx) =>
    applyTransition(deps, tx, actor, await resolveException(tx, ref), action, options),
  );
}
