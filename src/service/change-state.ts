import type { ExceptionRecord } from '../domain/exception.js';
import { transition, type Action } from '../domain/lifecycle.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import type { Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { StoreReader, StoreWriter } from './ports/store.js';
import { recordEvent } from './record-event.js';
import { resolveException } from './resolve.js';

export interface ChangeOptions {
  comment?: string | undefined;
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
  });
  const saved = await tx.updateException({ ...next, ...options.set });
  await recordEvent(
    deps,
    tx,
    {
      at: now,
      actor: actor.name,
      action: event.action,
      exceptionId: saved.id,
      data: { ...event.data, ...options.data },
    },
    { record: saved, before: record },
  );
  return saved;
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
