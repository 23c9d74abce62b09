import { driftOf, isManaged, managedId, type DriftEntry } from '../domain/drift.js';
import { messageOf, WaiverError } from '../domain/errors.js';
import { displayState, formatId, type ExceptionRecord } from '../domain/exception.js';
import { renderManifest } from '../domain/render.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { ObservedException } from '../domain/observed.js';
import type { Target } from './ports/target.js';
import { observableTargets, targetNamed } from './targets.js';
import { recordEvent } from './record-event.js';
import { syncToTarget } from './sync-target.js';

/** A PolicyException nobody asked Waiver for: the bypass the process exists to prevent. */
export interface UnmanagedException {
  /** The target it was found on. */
  target: string;
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
  /** The target being reconciled, by name. */
  name: string;
  target: Target;
  report: ReconcileReport;
}

/** The named target, when it can be read back; a folder cannot. */
function observedTarget(deps: ServiceDeps, name: string): Target {
  const named = targetNamed(deps, name);
  if (named.target.capabilities.observable) return named.target;
  throw new WaiverError(
    'usage',
    `target "${name}" (${named.target.description}) cannot be read back; drift and rogue detection need a cluster or a Git repository`,
    'target',
  );
}

/**
 * The targets a reconcile, `get --unmanaged` or import reads: the one named, or every target that can be
 * read back. A folder cannot: drift and rogue detection need a cluster or a Git repository.
 */
export function observedTargets(deps: ServiceDeps, name?: string): { name: string; target: Target }[] {
  if (name !== undefined) return [{ name, target: observedTarget(deps, name) }];
  const all = observableTargets(deps);
  if (all.length) return all;
  throw new WaiverError(
    'usage',
    `no configured target can be read back (${deps.targets.names.join(', ')}); drift and rogue detection need a cluster (--kubeconfig, --context) or a Git repository`,
    'target',
  );
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
  options: { target?: string | undefined } = {},
): Promise<ReconcileReport> {
  authorize(actor, 'sweep');
  const at = wholeSeconds(nowMs);
  const report = emptyReport(at);
  for (const { name, target } of observedTargets(deps, options.target)) {
    try {
      await reconcileOn({ deps, actor, at, name, target, report });
    } catch (e) {
      // One target that cannot be read is reported; the others are still reconciled.
      report.failed.push({ id: `target ${name}`, error: messageOf(e) });
    }
  }
  return report;
}

const emptyReport = (at: number): ReconcileReport => ({
  at: toRfc3339(at),
  created: [],
  restored: [],
  deleted: [],
  unmanaged: [],
  failed: [],
});

/** One target's reconcile, for its controller: a target that cannot be read throws (the loop backs off). */
export async function reconcileTarget(
  deps: ServiceDeps,
  actor: Actor,
  name: string,
  nowMs = deps.clock.now(),
): Promise<ReconcileReport> {
  authorize(actor, 'sweep');
  const at = wholeSeconds(nowMs);
  const report = emptyReport(at);
  await reconcileOn({ deps, actor, at, name, target: observedTarget(deps, name), report });
  return report;
}

async function reconcileOn(run: Run): Promise<void> {
  const { deps, at, name, target } = run;
  const found = await target.list();
  const live = (await deps.store.listExceptions({ states: ['active'], targets: [name] })).filter(
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
  const found = id === undefined ? undefined : await deps.store.getException(id);
  // Another target's record by that id is not this object's: here it is an object nobody wants.
  const record = found?.target === run.name ? found : undefined;
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
    await run.target.remove(object.namespace, object.name, object.apiVersion);
  } catch (e) {
    report.failed.push({ id: `${object.namespace}/${object.name}`, error: messageOf(e) });
    return;
  }
  if (record) await audit(run, record.id, 'resurrected', { namespace: object.namespace, name: object.name });
  report.deleted.push(record ? formatId(record.id) : `${object.namespace}/${object.name}`);
}

function unmanagedOf(deps: ServiceDeps, target: string, object: ObservedException): UnmanagedException {
  const spec = object.spec as { exceptions?: { policyName?: string }[] } | undefined;
  return {
    target,
    namespace: object.namespace,
    name: object.name,
    uid: object.uid,
    policies: (spec?.exceptions ?? []).map((e) => e.policyName ?? '?'),
    inExceptionNamespace: object.namespace === deps.settings.exceptionNamespace,
  };
}

/** `get --unmanaged`: the PolicyExceptions in the cluster that did not come through the process. */
export async function listUnmanaged(
  deps: ServiceDeps,
  actor: Actor,
  options: { target?: string | undefined } = {},
): Promise<UnmanagedException[]> {
  authorize(actor, 'read');
  const unmanaged: UnmanagedException[] = [];
  for (const { name, target } of observedTargets(deps, options.target)) {
    const found = await target.list();
    unmanaged.push(...found.filter((o) => !isManaged(o.labels)).map((o) => unmanagedOf(deps, name, o)));
  }
  return unmanaged;
}

/** Listed every time; audited once per object (by uid). */
async function noteUnmanaged(run: Run, object: ObservedException): Promise<void> {
  const { deps, actor, at, report } = run;
  const unmanaged = unmanagedOf(deps, run.name, object);
  report.unmanaged.push(unmanaged);
  const known = await deps.store.listAudit({ action: 'rogue_detected' });
  if (known.some((e) => e.data['uid'] === object.uid && (e.data['target'] ?? run.name) === run.name)) return;
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
  const { deps, actor, at, name } = run;
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
        data: { change, target: name, ...data },
      },
      record && { record },
    );
  });
}
