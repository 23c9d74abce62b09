import { driftOf, isManaged, managedId, type DriftEntry } from '../domain/drift.js';
import { messageOf, WaiverError } from '../domain/errors.js';
import { displayState, formatId, type ExceptionRecord } from '../domain/exception.js';
import { renderManifest } from '../domain/render.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { isObservable, type ObservableTarget, type ObservedException } from './ports.js';
import { recordEvent } from './record-event.js';
import { syncToTarget } from './sync-target.js';

/** A PolicyException nobody asked Waiver for: the bypass the process exists to prevent. */
export interface UnmanagedException {
  namespace: string;
  name: string;
  uid: string;
  policies: string[];
  /** Kyverno reads exceptions only from its exception namespace; one elsewhere is ignored but still a finding. */
  inExceptionNamespace: boolean;
}

export interface ReconcileReport {
  at: string;
  /** Written because they were missing: never written yet, a failed write, or deleted by hand. */
  created: string[];
  /** Edited by hand and put back as approved. */
  restored: string[];
  /** Managed objects that no live exception wants (ended, or re-created by hand). */
  deleted: string[];
  unmanaged: UnmanagedException[];
  failed: { id: string; error: string }[];
}

interface Run {
  deps: ServiceDeps;
  actor: Actor;
  at: number;
  report: ReconcileReport;
}

export function observableTarget(deps: ServiceDeps): ObservableTarget {
  if (!isObservable(deps.target))
    throw new WaiverError(
      'usage',
      `${deps.target.description} cannot be read back; drift and rogue detection need a cluster (--kubeconfig, --context)`,
      'target',
    );
  return deps.target;
}

/**
 * Converges the cluster to the store: every live exception present as approved, nothing managed that no
 * live exception wants; hand edits, deletions and unmanaged exceptions are audited. Expiry stays the
 * sweep's job, so an active record past its expiry is left for it to remove and record.
 */
export async function reconcile(
  deps: ServiceDeps,
  actor: Actor,
  nowMs = deps.clock.now(),
): Promise<ReconcileReport> {
  authorize(actor, 'sweep');
  const at = wholeSeconds(nowMs);
  const found = await observableTarget(deps).list();
  const report: ReconcileReport = {
    at: toRfc3339(at),
    created: [],
    restored: [],
    deleted: [],
    unmanaged: [],
    failed: [],
  };
  const run: Run = { deps, actor, at, report };
  const live = (await deps.store.listExceptions({ states: ['active'] })).filter(
    (r) => displayState(r, at) === 'active',
  );
  const namespace = deps.settings.exceptionNamespace;
  const byKey = new Map(found.map((o) => [`${o.namespace}/${o.name}`, o]));
  for (const record of live) await converge(run, record, byKey.get(`${namespace}/${record.name}`));
  const wanted = new Set(live.map((r) => `${namespace}/${r.name}`));
  for (const object of found) {
    if (!isManaged(object.labels)) await noteUnmanaged(run, object);
    else if (!wanted.has(`${object.namespace}/${object.name}`)) await removeUnwanted(run, object);
  }
  return report;
}

async function converge(
  run: Run,
  record: ExceptionRecord,
  found: ObservedException | undefined,
): Promise<void> {
  const { deps, actor, at, report } = run;
  const id = formatId(record.id);
  if (found) {
    const drift: DriftEntry[] = driftOf(renderManifest(record, deps.settings), found);
    if (drift.length === 0) return;
    await audit(run, record.id, 'modified', { diff: drift });
  } else if (record.syncStatus === 'synced') {
    await audit(run, record.id, 'deleted', {});
  }
  const synced = await syncToTarget(deps, actor, record, 'write', at);
  if (synced.syncStatus === 'error') report.failed.push({ id, error: synced.syncError ?? '' });
  else (found ? report.restored : report.created).push(id);
}

/** A managed object no live exception wants: ended, or put back by hand. An expiring one is the sweep's. */
async function removeUnwanted(run: Run, object: ObservedException): Promise<void> {
  const { deps, actor, at, report } = run;
  const id = managedId(object.labels);
  const record = id === undefined ? undefined : await deps.store.getException(id);
  if (record?.state === 'active') return;
  // An ended exception whose delete has not gone through yet: this is that delete, retried.
  const ours = object.namespace === deps.settings.exceptionNamespace && record?.name === object.name;
  if (record && ours && record.syncStatus !== 'synced') {
    const synced = await syncToTarget(deps, actor, record, 'delete', at);
    if (synced.syncStatus === 'error')
      report.failed.push({ id: formatId(record.id), error: synced.syncError ?? '' });
    else report.deleted.push(formatId(record.id));
    return;
  }
  try {
    await deps.target.remove(object.namespace, object.name, object.apiVersion);
  } catch (e) {
    report.failed.push({ id: `${object.namespace}/${object.name}`, error: messageOf(e) });
    return;
  }
  if (record) await audit(run, record.id, 'resurrected', { namespace: object.namespace, name: object.name });
  report.deleted.push(record ? formatId(record.id) : `${object.namespace}/${object.name}`);
}

function unmanagedOf(deps: ServiceDeps, object: ObservedException): UnmanagedException {
  const spec = object.spec as { exceptions?: { policyName?: string }[] } | undefined;
  return {
    namespace: object.namespace,
    name: object.name,
    uid: object.uid,
    policies: (spec?.exceptions ?? []).map((e) => e.policyName ?? '?'),
    inExceptionNamespace: object.namespace === deps.settings.exceptionNamespace,
  };
}

/** `get --unmanaged`: the PolicyExceptions in the cluster that did not come through the process. */
export async function listUnmanaged(deps: ServiceDeps, actor: Actor): Promise<UnmanagedException[]> {
  authorize(actor, 'read');
  const found = await observableTarget(deps).list();
  return found.filter((o) => !isManaged(o.labels)).map((o) => unmanagedOf(deps, o));
}

/** Listed every time; audited once per object (by uid). */
async function noteUnmanaged(run: Run, object: ObservedException): Promise<void> {
  const { deps, actor, at, report } = run;
  const unmanaged = unmanagedOf(deps, object);
  report.unmanaged.push(unmanaged);
  const known = await deps.store.listAudit({ action: 'rogue_detected' });
  if (known.some((e) => e.data['uid'] === object.uid)) return;
  await deps.store.transaction((tx) =>
    recordEvent(deps, tx, {
      at: toRfc3339(at),
      actor: actor.name,
      action: 'rogue_detected',
      exceptionId: null,
      data: { ...unmanaged },
    }),
  );
}

function audit(
  run: Run,
  exceptionId: number,
  change: 'modified' | 'deleted' | 'resurrected',
  data: Record<string, unknown>,
) {
  const { deps, actor, at } = run;
  return deps.store.transaction(async (tx) => {
    const record = await tx.getException(exceptionId);
    return recordEvent(
      deps,
      tx,
      {
        at: toRfc3339(at),
        actor: actor.name,
        action: 'drift_detected',
        exceptionId,
        data: { change, target: deps.target.description, ...data },
      },
      record && { record },
    );
  });
}
