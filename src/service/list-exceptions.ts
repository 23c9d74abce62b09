import type { AuditEvent } from '../domain/audit.js';
import {
  displayState,
  storedStates,
  type ExceptionRecord,
  type State,
  type StoredState,
} from '../domain/exception.js';
import { exceptionView, type ExceptionView } from '../domain/view.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { resolveException } from './resolve.js';

export interface ListFilter {
  namespace?: string | undefined;
  states?: readonly State[] | undefined;
  /** Only active exceptions that expire within this many milliseconds. */
  expiringWithinMs?: number | undefined;
}

/** `expired` is shown, not stored: it is an active record past its expiry. */
const storedFor = (states: readonly State[]): StoredState[] =>
  storedStates.filter((s) => states.includes(s) || (s === 'active' && states.includes('expired')));

export async function listExceptions(
  deps: ServiceDeps,
  actor: Actor,
  filter: ListFilter = {},
): Promise<ExceptionView[]> {
  authorize(actor, 'read');
  const nowMs = deps.clock.now();
  const records = await deps.store.listExceptions({
    ...(filter.states ? { states: storedFor(filter.states) } : {}),
    ...(filter.namespace ? { namespace: filter.namespace } : {}),
  });
  return records.filter((r) => matches(r, filter, nowMs)).map((r) => exceptionView(r, nowMs));
}

function matches(record: ExceptionRecord, filter: ListFilter, nowMs: number): boolean {
  const state = displayState(record, nowMs);
  if (filter.states && !filter.states.includes(state)) return false;
  if (filter.namespace && !record.namespaces.includes(filter.namespace)) return false;
  if (filter.expiringWithinMs !== undefined) {
    const left = Date.parse(record.expiresAt) - nowMs;
    return state === 'active' && left <= filter.expiringWithinMs;
  }
  return true;
}

/** One exception, by id or name. */
export async function getException(deps: ServiceDeps, actor: Actor, ref: string): Promise<ExceptionView> {
  authorize(actor, 'read');
  return exceptionView(await resolveException(deps.store, ref), deps.clock.now());
}

export interface ExceptionDetail {
  exception: ExceptionView;
  history: AuditEvent[];
}

/** One exception with its audit timeline. */
export async function describeException(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<ExceptionDetail> {
  authorize(actor, 'read');
  const record = await resolveException(deps.store, ref);
  return {
    exception: exceptionView(record, deps.clock.now()),
    history: await deps.store.listAudit({ exceptionId: record.id }),
  };
}
