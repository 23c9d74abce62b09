import { verifyRecords, type AuditEvent } from '../domain/audit.js';
import { formatId } from '../domain/exception.js';
import { sha256 } from './sha256.js';
import type { AuditAction } from '../domain/lifecycle.js';
import { WaiverError } from '../domain/errors.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { AuditQuery } from './ports.js';
import { resolveException } from './resolve.js';
import { toRfc3339 } from '../domain/time.js';

/** Which events: by action (narrowed in the database), by who acted, and from (inclusive) until (exclusive). */
export interface AuditFilter {
  action?: AuditAction | undefined;
  actor?: string | undefined;
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
}

/** A page of the trail: `continue` is the `after` of the next page, absent on the last. */
export interface AuditPage {
  items: AuditEvent[];
  continue?: string;
}

/** The trail, of one exception or all, in chain order, filtered in the database. */
export async function listAudit(
  deps: ServiceDeps,
  actor: Actor,
  exceptionRef?: string,
  filter: AuditFilter = {},
): Promise<AuditEvent[]> {
  authorize(actor, 'read');
  return deps.store.listAudit(await auditQuery(deps, exceptionRef, filter));
}

/** One page of the trail, `limit` events after the event numbered `after`: flat memory at any length. */
export async function listAuditPage(
  deps: ServiceDeps,
  actor: Actor,
  exceptionRef: string | undefined,
  filter: AuditFilter,
  page: { limit: number; after?: number | undefined },
): Promise<AuditPage> {
  authorize(actor, 'read');
  const query = await auditQuery(deps, exceptionRef, filter);
  const items = await deps.store.listAudit({
    ...query,
    ...(page.after === undefined ? {} : { afterSeq: page.after }),
    limit: page.limit + 1,
  });
  const more = items.length > page.limit;
  const shown = more ? items.slice(0, page.limit) : items;
  const last = shown.at(-1);
  return more && last ? { items: shown, continue: String(last.seq) } : { items: shown };
}

async function auditQuery(
  deps: ServiceDeps,
  exceptionRef: string | undefined,
  filter: AuditFilter,
): Promise<AuditQuery> {
  const exceptionId =
    exceptionRef === undefined ? undefined : (await resolveException(deps.store, exceptionRef)).id;
  const instant = (ms: number) => toRfc3339(Math.ceil(ms / 1000) * 1000);
  return {
    ...(exceptionId === undefined ? {} : { exceptionId }),
    ...(filter.action === undefined ? {} : { action: filter.action }),
    ...(filter.actor === undefined ? {} : { actor: filter.actor }),
    ...(filter.sinceMs === undefined ? {} : { since: instant(filter.sinceMs) }),
    ...(filter.untilMs === undefined ? {} : { until: instant(filter.untilMs) }),
  };
}

export interface VerifyResult {
  events: number;
}

/** Recomputes the hash chain; a broken chain is an error naming the first broken event. */
export async function verifyAudit(deps: ServiceDeps, actor: Actor): Promise<VerifyResult> {
  authorize(actor, 'read');
  const broken = await deps.store.verifyAudit();
  if (broken)
    throw new WaiverError(
      'audit_broken',
      `audit chain broken at event #${broken.seq}: ${broken.reason}`,
      'audit',
    );
  const events = await deps.store.listAudit();
  const mismatch = verifyRecords(await deps.store.listExceptions(), events, sha256);
  if (mismatch)
    throw new WaiverError(
      'audit_broken',
      `${formatId(mismatch.exceptionId)} does not match its audit trail: ${mismatch.reason}`,
      'audit',
    );
  return { events: events.length };
}
