import { isManaged } from '../domain/drift.js';
import { categories, isLive, type Category, type NewExceptionRecord } from '../domain/exception.js';
import { ANNOTATIONS, type PolicyExceptionManifest } from '../domain/manifest.js';
import { PolicyExceptionSchema } from '../domain/manifest-schema.js';
import { fieldsFromTemplate } from '../domain/request-template.js';
import { DAY_MS, toRfc3339, wholeSeconds } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { ObservedException } from './ports.js';
import { observableTarget } from './reconcile.js';
import { syncToTarget } from './sync-target.js';

export interface ImportItem {
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
  options: { dryRun: boolean },
): Promise<ImportReport> {
  authorize(actor, 'apply');
  const nowMs = wholeSeconds(deps.clock.now());
  const report: ImportReport = { dryRun: options.dryRun, imported: [], refused: [] };
  for (const object of (await observableTarget(deps).list()).filter((o) => !isManaged(o.labels))) {
    const plan = await planImport(deps, actor, object, nowMs);
    if ('refused' in plan) {
      report.refused.push(plan.refused);
      continue;
    }
    const item: ImportItem = {
      namespace: object.namespace,
      name: object.name,
      lacks: plan.lacks,
      expiresAt: plan.record.expiresAt,
    };
    if (!options.dryRun) item.id = `EX-${await adopt(deps, actor, object, plan, nowMs)}`;
    report.imported.push(item);
  }
  return report;
}

interface Plan {
  record: NewExceptionRecord;
  lacks: string[];
  originalExpiry: string | null;
}

async function planImport(
  deps: ServiceDeps,
  actor: Actor,
  object: ObservedException,
  nowMs: number,
): Promise<Plan | { refused: ImportItem }> {
  const refuse = (why: string) => ({
    refused: { namespace: object.namespace, name: object.name, lacks: [], refused: why },
  });
  const { exceptionNamespace, maxDays } = deps.settings;
  if (object.namespace !== exceptionNamespace)
    return refuse(`Kyverno reads exceptions only from ${exceptionNamespace}; move it there or delete it`);
  const parsed = PolicyExceptionSchema.safeParse({
    apiVersion: deps.settings.apiVersion,
    kind: 'PolicyException',
    metadata: {
      name: object.name,
      namespace: object.namespace,
      labels: object.labels,
      annotations: object.annotations,
    },
    spec: object.spec,
  });
  if (!parsed.success)
    return refuse(`not a PolicyException Waiver can read: ${parsed.error.issues[0]?.message ?? ''}`);
  const manifest = parsed.data as PolicyExceptionManifest;
  if (manifest.spec.exceptions.length !== 1)
    return refuse(
      `it excepts ${manifest.spec.exceptions.length} policies; split it into one per policy first`,
    );
  if ((await deps.store.findByName(object.name)).some(isLive))
    return refuse(`a live exception is already named ${object.name}`);
  const fields = fieldsFromTemplate(manifest);
  const lacks: string[] = [];
  const need = <T>(value: T | undefined, field: string, fallback: T): T => {
    if (value !== undefined) return value;
    lacks.push(field);
    return fallback;
  };
  const category = object.annotations[ANNOTATIONS.category];
  const latest = nowMs + maxDays * DAY_MS;
  const stated = fields.expires === undefined ? NaN : Date.parse(fields.expires);
  const expiresAt = toRfc3339(
    Number.isNaN(stated) ? (lacks.push('expiry'), latest) : Math.min(stated, latest),
  );
  const at = toRfc3339(nowMs);
  const record: NewExceptionRecord = {
    name: object.name,
    policy: fields.policy ?? '',
    rules: fields.rules ?? [],
    kinds: fields.kinds ?? ['Pod'],
    namespaces: need(fields.namespaces, 'namespaces', ['*']),
    names: need(fields.names, 'names', ['*']),
    category: need(
      categories.includes(category as Category) ? (category as Category) : undefined,
      'category',
      'legacy-migration',
    ),
    ticket: need(fields.ticket, 'ticket', 'UNKNOWN'),
    reason: need(
      fields.reason,
      'justification',
      'Imported without a justification: adopted as found in the cluster',
    ),
    riskAssessment: fields.riskAssessment ?? null,
    expiresAt,
    state: 'active',
    endReason: null,
    syncStatus: 'pending',
    syncError: null,
    requestor: need(object.annotations[ANNOTATIONS.requestor], 'requestor', 'unknown'),
    approver: actor.name,
    applier: actor.name,
    requestedAt: at,
    approvedAt: at,
    appliedAt: at,
    removedAt: null,
    remindedAt: null,
    escalatedAt: null,
    renewalOf: null,
    renewalCount: 0,
    apiVersion: deps.settings.apiVersion,
  };
  return { record, lacks, originalExpiry: Number.isNaN(stated) ? null : toRfc3339(stated) };
}

async function adopt(
  deps: ServiceDeps,
  actor: Actor,
  object: ObservedException,
  plan: Plan,
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
      },
    });
    return record;
  });
  // Labelled managed and given the approved form (expiry condition, TTL label, annotations) in one apply.
  await syncToTarget(deps, actor, saved, 'write', nowMs);
  return saved.id;
}
