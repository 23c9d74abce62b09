import { isManaged } from '../domain/drift.js';
import { isLive } from '../domain/exception.js';
import { planImport, type Adoption } from '../domain/import-plan.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { ObservedException } from '../domain/observed.js';
import { observedTargets } from './reconcile.js';
import { syncToTarget } from './sync-target.js';

export interface ImportItem {
  target: string;
  namespace: string;
  name: string;
  /** The new record's id (EX-n); absent on a dry run or when refused. */
  id?: string;
  /** What the process asks for that the object did not say; the defaults used are in the record. */
  lacks: string[];
  expiresAt?: string;
  /** Why it cannot be adopted as it is. */
  refused?: string;
}

export interface ImportReport {
  dryRun: boolean;
  imported: ImportItem[];
  refused: ImportItem[];
}

/**
 * `waiver import`: adopts the unmanaged PolicyExceptions of the exception namespace. Each becomes an
 * active record with an expiry at most `maxDays` from now, is labelled managed (written back with
 * server-side apply), and is audited `imported` with what it lacked. The importer is the approver and
 * applier of record: adopting a bypass is accepting its risk.
 */
export async function importExceptions(
  deps: ServiceDeps,
  actor: Actor,
  options: { dryRun: boolean; target?: string | undefined },
): Promise<ImportReport> {
  authorize(actor, 'apply');
  const nowMs = wholeSeconds(deps.clock.now());
  const report: ImportReport = { dryRun: options.dryRun, imported: [], refused: [] };
  for (const { name, target } of observedTargets(deps, options.target)) {
    const unmanaged = (await target.list()).filter((o) => !isManaged(o.labels));
    for (const object of unmanaged)
      await importOne(deps, actor, { target: name, object, nowMs, report, dryRun: options.dryRun });
  }
  return report;
}

/** One found object to import, from the target it was found on (where it stays). */
interface Found {
  target: string;
  object: ObservedException;
  nowMs: number;
  report: ImportReport;
  dryRun: boolean;
}

/** Plans one found object's adoption and, unless a dry run, adopts it. */
async function importOne(
  deps: ServiceDeps,
  actor: Actor,
  { target: name, object, nowMs, report, dryRun }: Found,
): Promise<void> {
  const { exceptionNamespace, maxDays, apiVersion } = deps.settings;
  const nameTaken = (await deps.store.findByName(object.name)).some(isLive);
  const plan = planImport(object, {
    exceptionNamespace,
    maxDays,
    apiVersion,
    importer: actor.name,
    target: name,
    nowMs,
    nameTaken,
  });
  if ('refused' in plan) {
    report.refused.push({
      target: name,
      namespace: object.namespace,
      name: object.name,
      lacks: [],
      refused: plan.refused,
    });
    return;
  }
  const item: ImportItem = {
    target: name,
    namespace: object.namespace,
    name: object.name,
    lacks: plan.lacks,
    expiresAt: plan.record.expiresAt,
  };
  if (!dryRun) item.id = `EX-${await adopt(deps, actor, object, plan, nowMs)}`;
  report.imported.push(item);
}

async function adopt(
  deps: ServiceDeps,
  actor: Actor,
  object: ObservedException,
  plan: Adoption,
  nowMs: number,
): Promise<number> {
  const saved = await deps.store.transaction(async (tx) => {
    const record = await tx.insertException(plan.record);
    await tx.appendAudit({
      at: toRfc3339(nowMs),
      actor: actor.name,
      action: 'imported',
      exceptionId: record.id,
      data: {
        namespace: object.namespace,
        uid: object.uid,
        lacks: plan.lacks,
        originalExpiry: plan.originalExpiry,
        expiresAt: record.expiresAt,
        target: record.target,
      },
    });
    return record;
  });
  // Labelled managed and given the approved form (expiry condition, TTL label, annotations) in one apply.
  await syncToTarget(deps, actor, saved, 'write', nowMs);
  return saved.id;
}
