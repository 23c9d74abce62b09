import { verifyRecords, type AuditEvent } from '../domain/audit.js';
import { formatId } from '../domain/exception.js';
import { sha256 } from './sha256.js';
import type { AuditAction } from '../domain/lifecycle.js';
import { WaiverError } from '../domain/errors.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { resolveException } from './resolve.js';

/** Which events: by action (narrowed in the database), by who acted, and from (inclusive) until (exclusive). */
export interface AuditFilter {
  action?: AuditAction | undefined;
  actor?: string | undefined;
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
}

/** The trail, of one exception or all, in chain order. */
export async function listAudit(
  deps: ServiceDeps,
  actor: Actor,
  exceptionRef?: string,
  filter: AuditFilter = {},
): Promise<AuditEvent[]> {
  authorize(actor, 'read');
  const exceptionId =
    exceptionRef === undefined ? undefined : (await resolveException(deps.store, exceptionRef)).id;
  const events = await deps.store.listAudit({
    ...(exceptionId === undefined ? {} : { exceptionId }),
    ...(filter.action === undefined ? {} : { action: filter.action }),
  });
  const since = filter.sinceMs ?? -Infinity;
  const until = filter.untilMs ?? Infinity;
  return events.filter((e) => {
    const at = Date.parse(e.at);
    return (filter.actor === undefined || e.actor === filter.actor) && at >= since && at < until;
  });
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
