import type { OverlapReport } from './exception-coverage.js';
import type { RequestOrigin } from '../domain/violation-draft.js';
import type { AuditEvent } from '../domain/audit.js';
import {
  displayState,
  states,
  storedStates,
  type Category,
  type ExceptionRecord,
  type State,
  type StoredState,
} from '../domain/exception.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import { exceptionView, type ExceptionView } from '../domain/view.js';
import { redactCredentials, redactEvent, redactSyncError } from '../domain/redact.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { byteBudget, type PageRequest } from './page-budget.js';
import { SharedViews, viewBytes } from './shared-views.js';
import type { ExceptionQuery } from './ports/store.js';
import { resolveException } from './resolve.js';

export type { PageRequest } from './page-budget.js';

export interface ListFilter {
  namespace?: string | undefined;
  policy?: string | undefined;
  category?: Category | undefined;
  /** Only exceptions on this named target. */
  target?: string | undefined;
  /** Text in the name, ticket, requestor or reason (any case). */
  search?: string | undefined;
  /** Pages in id order (the default), newest first, or soonest expiry first. */
  sort?: ListSort | undefined;
  states?: readonly State[] | undefined;
  /** Only active exceptions that expire within this many milliseconds. */
  expiringWithinMs?: number | undefined;
}

export const listSorts = ['id', 'newest', 'expiry'] as const;
export type ListSort = (typeof listSorts)[number];

/** `expired` is shown, not stored: it is an active record past its expiry. */
const storedFor = (states: readonly State[]): StoredState[] =>
  storedStates.filter((s) => states.includes(s) || (s === 'active' && states.includes('expired')));

const storeQuery = (filter: ListFilter): ExceptionQuery => ({
  ...(filter.states ? { states: storedFor(filter.states) } : {}),
  ...(filter.namespace ? { namespace: filter.namespace } : {}),
  ...(filter.policy ? { policy: filter.policy } : {}),
  ...(filter.category ? { category: filter.category } : {}),
  ...(filter.target ? { targets: [filter.target] } : {}),
  ...(filter.search ? { search: filter.search } : {}),
  ...(filter.sort && filter.sort !== 'id' ? { order: filter.sort } : {}),
});

/** The process's shared views; deps without them (a test's, say) make views afresh each call. */
const viewsOf = (deps: ServiceDeps): SharedViews => deps.views ?? new SharedViews();

export async function listExceptions(
  deps: ServiceDeps,
  actor: Actor,
  filter: ListFilter = {},
): Promise<ExceptionView[]> {
  authorize(actor, 'read');
  const nowMs = deps.clock.now();
  const views = viewsOf(deps);
  const records = await deps.store.listExceptions(storeQuery(filter));
  return records
    .filter((r) => matches(r, filter, nowMs))
    .map((r) => views.view(r, nowMs, deps.redact ?? redactCredentials));
}

export interface ExceptionPage {
  items: ExceptionView[];
  /** Present when more may follow: pass it as `after` for the next page. */
  continue?: string;
}

/** One page of the inventory in id order; the store pages in SQL, so a page costs the same at any depth. */
export async function listExceptionPage(
  deps: ServiceDeps,
  actor: Actor,
  filter: ListFilter,
  page: PageRequest,
): Promise<ExceptionPage> {
  authorize(actor, 'read');
  if (filter.sort && filter.sort !== 'id') return listSortedPage(deps, filter, filter.sort, page);
  const nowMs = deps.clock.now();
  const views = viewsOf(deps);
  const items: ExceptionView[] = [];
  const budget = byteBudget(page.maxBytes, viewBytes);
  let after = page.after ?? 0;
  // The store narrows by stored state; shown states and exact namespaces are checked here, so a batch may
  // yield fewer matches than rows and another batch is read.
  for (;;) {
    const batch = await deps.store.listExceptions({
      ...storeQuery(filter),
      afterId: after,
      limit: page.limit,
    });
    for (const record of batch) {
      if (!matches(record, filter, nowMs)) {
        after = record.id;
        continue;
      }
      const view = views.view(record, nowMs, deps.redact ?? redactCredentials);
      if (!budget.fits(view)) return { items, continue: String(after) };
      after = record.id;
      items.push(view);
      if (items.length === page.limit) return { items, continue: String(record.id) };
    }
    if (batch.length < page.limit) return { items };
  }
}

/**
 * A page in another order than ids: its `continue` counts the rows read so far (a later write may shift
 * what the next page starts with, unlike id order's key).
 */
async function listSortedPage(
  deps: ServiceDeps,
  filter: ListFilter,
  order: 'newest' | 'expiry',
  page: PageRequest,
): Promise<ExceptionPage> {
  const nowMs = deps.clock.now();
  const views = viewsOf(deps);
  const items: ExceptionView[] = [];
  const budget = byteBudget(page.maxBytes, viewBytes);
  let read = page.after ?? 0;
  for (;;) {
    const batch = await deps.store.listExceptions({
      ...storeQuery(filter),
      order,
      offset: read,
      limit: page.limit,
    });
    for (const record of batch) {
      if (!matches(record, filter, nowMs)) {
        read++;
        continue;
      }
      const view = views.view(record, nowMs, deps.redact ?? redactCredentials);
      if (!budget.fits(view)) return { items, continue: String(read) };
      read++;
      items.push(view);
      if (items.length === page.limit) return { items, continue: String(read) };
    }
    if (batch.length < page.limit) return { items };
  }
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
  return redactSyncError(
    exceptionView(await resolveException(deps.store, ref), deps.clock.now()),
    deps.redact ?? redactCredentials,
  );
}

export interface ExceptionDetail {
  exception: ExceptionView;
  history: AuditEvent[];
  /** The violation it was drafted from, and how the filed scope differs (null: typed by hand). */
  origin: RequestOrigin | null;
  /** The active exceptions for the same policy it overlaps, and what they let through together (null: no cluster). */
  overlap: OverlapReport | null;
}

/** The draft a request was made from, read back and checked (a row that does not parse is shown as none). */
export async function requestOrigin(deps: ServiceDeps, id: number): Promise<RequestOrigin | null> {
  const text = await deps.store.getRequestOrigin(id);
  if (text === undefined) return null;
  const { RequestOriginSchema } = await import('../domain/request-origin-schema.js');
  const parsed = RequestOriginSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}

/** One exception with its audit timeline. */
export async function describeException(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<ExceptionDetail> {
  authorize(actor, 'read');
  const record = await resolveException(deps.store, ref);
  const redact = deps.redact ?? redactCredentials;
  return {
    exception: redactSyncError(exceptionView(record, deps.clock.now()), redact),
    history: (await deps.store.listAudit({ exceptionId: record.id })).map((e) => redactEvent(e, redact)),
    origin: await requestOrigin(deps, record.id),
    overlap: await (await import('./exception-coverage.js')).overlapOf(deps, record),
  };
}

/** How many exceptions are in each shown state now, per target; every state is present, most as 0. */
export async function countExceptions(
  deps: ServiceDeps,
  actor: Actor,
): Promise<Record<string, Record<State, number>>> {
  authorize(actor, 'read');
  const groups = await deps.store.countByState(toRfc3339(wholeSeconds(deps.clock.now())));
  const byTarget: Record<string, Record<State, number>> = {};
  for (const name of [...deps.targets.names, ...groups.map((g) => g.target)])
    byTarget[name] ??= Object.fromEntries(states.map((s) => [s, 0])) as Record<State, number>;
  for (const { target, state, count } of groups) (byTarget[target] as Record<State, number>)[state] += count;
  return byTarget;
}
