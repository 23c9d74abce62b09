import type { AuditEvent } from '../domain/audit.js';
import { WaiverError } from '../domain/errors.js';
import { computeMetrics, type Metrics } from '../domain/metrics.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { resolveException } from './resolve.js';

export async function listAudit(
  deps: ServiceDeps,
  actor: Actor,
  exceptionRef?: string,
): Promise<AuditEvent[]> {
  authorize(actor, 'read');
  if (exceptionRef === undefined) return deps.store.listAudit();
  const record = await resolveException(deps.store, exceptionRef);
  return deps.store.listAudit({ exceptionId: record.id });
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
  return { events: (await deps.store.listAudit()).length };
}

/** The process metrics as of `atMs` (default now), computed from the audit so any past instant is reproducible. */
export async function reportMetrics(
  deps: ServiceDeps,
  actor: Actor,
  atMs = deps.clock.now(),
): Promise<Metrics> {
  authorize(actor, 'read');
  return computeMetrics(await deps.store.listAudit(), atMs, deps.settings.metrics);
}
