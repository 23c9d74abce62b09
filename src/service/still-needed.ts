import { resourceUnderTest } from '../domain/coverage.js';
import { isWaiverError, messageOf } from '../domain/errors.js';
import type { PolicyDocument } from '../domain/evaluate/rule-verdict.js';
import { ruleWithoutException } from '../domain/evaluate/would-fail.js';
import { formatId, type ExceptionRecord } from '../domain/exception.js';
import { renderManifest } from '../domain/render.js';
import { stillNeeded, type StillNeeded } from '../domain/still-needed.js';
import { toRfc3339 } from '../domain/time.js';
import { authorize, controllerActor, type Actor } from './actor.js';
import { changeState } from './change-state.js';
import type { ServiceDeps } from './deps.js';
import type { ClusterInventory } from './ports/cluster.js';
import { recordEvent } from './record-event.js';
import { syncOrReport } from './sync-target.js';
import { targetNamed } from './targets.js';

/** What one pass found on a cluster: each exception in effect, by id, and what limited the answer. */
export interface StillNeededOn {
  verdicts: Map<number, StillNeeded>;
  notes: string[];
}

const inEffect = (r: ExceptionRecord, nowMs: number) =>
  r.state === 'active' && nowMs < Date.parse(r.expiresAt);

/**
 * "Is it still needed?" for the records of one cluster: one read of the objects their kinds and
 * namespaces name (the inventory's bound applies: a truncated read flags nothing), the policies they
 * name, the namespaces' labels; then the pure pass. A cluster that cannot be read answers nothing, with
 * the reason in the notes: no flag is ever raised on a guess.
 */
export async function stillNeededOn(
  deps: ServiceDeps,
  inventory: ClusterInventory,
  records: readonly ExceptionRecord[],
  nowMs = deps.clock.now(),
): Promise<StillNeededOn> {
  const live = records.filter((r) => inEffect(r, nowMs));
  if (live.length === 0) return { verdicts: new Map(), notes: [] };
  const kinds = [...new Set(live.flatMap((r) => r.kinds))];
  const namespaces = live.some((r) => r.namespaces.some((n) => /[*?]/.test(n)))
    ? []
    : [...new Set(live.flatMap((r) => r.namespaces))];
  const names = [...new Set(live.map((r) => r.policy))];
  let read;
  try {
    read = await Promise.all([
      inventory.objects(kinds, namespaces),
      inventory.namespaceLabels(),
      Promise.all(names.map(async (n) => [n, await inventory.policy(n)] as const)),
    ]);
  } catch (e) {
    return { verdicts: new Map(), notes: [`the cluster could not be read: ${messageOf(e)}`] };
  }
  const [found, namespaceLabels, policyList] = read;
  const policies = new Map<string, PolicyDocument>();
  for (const [name, doc] of policyList) if (doc) policies.set(name, doc);
  const notes: string[] = [];
  if (found.truncated) notes.push('the cluster has more objects than are read at once');
  if (found.skipped.length) notes.push(`kinds not read from the cluster: ${found.skipped.join(', ')}`);
  const verdicts = stillNeeded({
    exceptions: live.map((r) => {
      const manifest = renderManifest(r, deps.settings);
      return {
        key: r.id,
        policy: r.policy,
        namespaces: r.namespaces.some((n) => /[*?]/.test(n)) ? [] : r.namespaces,
        names: r.names,
        exception: {
          namespace: manifest.metadata.namespace ?? '',
          name: manifest.metadata.name,
          spec: manifest.spec,
        },
      };
    }),
    resources: found.objects.map(resourceUnderTest),
    policies,
    namespaceLabels,
    nowMs,
    incomplete: notes.length ? notes.join('; ') : undefined,
    evaluate: ruleWithoutException,
  });
  return { verdicts, notes };
}

/** What a sweep's pass did on one cluster. */
export interface StillNeededReport {
  /** Exceptions in effect found no longer needed (revoked below where configured). */
  flagged: string[];
  /** Those revoked now because `autoRevokeNoLongerNeeded` is on. */
  revoked: string[];
  failed: { id: string; error: string }[];
  /** What kept the pass from answering (a cluster that could not be read, a truncated read). */
  notes: string[];
}

/**
 * The sweep's pass on one cluster, as of `at`: flags the exceptions no longer needed and records each
 * one's first flag once (the audit event `no_longer_needed`, whose notification tells its requestor
 * through the routes; a later sweep, a restart or another replica finds the event and tells nobody
 * again). Only where `autoRevokeNoLongerNeeded` is on are they revoked, by waiver-controller through the
 * ordinary revoke (the target removal included), audited with the reason.
 */
export async function checkStillNeeded(
  deps: ServiceDeps,
  actor: Actor,
  target: string,
  at: number,
): Promise<StillNeededReport> {
  authorize(actor, 'sweep');
  const report: StillNeededReport = { flagged: [], revoked: [], failed: [], notes: [] };
  const cluster = targetNamed(deps, target).cluster;
  if (!cluster) return report;
  const records = await deps.store.listExceptions({ states: ['active'], targets: [target] });
  const { verdicts, notes } = await stillNeededOn(deps, cluster.inventory, records, at);
  report.notes.push(...notes);
  const flagged = records.filter((r) => verdicts.get(r.id)?.noLongerNeeded === true);
  for (const record of flagged) {
    report.flagged.push(formatId(record.id));
    const verdict = verdicts.get(record.id);
    if (verdict) await flagOnce(deps, actor, target, record, verdict, at);
  }
  if (!deps.settings.autoRevokeNoLongerNeeded) return report;
  for (const record of flagged) {
    const id = formatId(record.id);
    try {
      // The setting decides, not whoever ran the sweep: the system's own identity is audited.
      const revoked = await changeState(deps, controllerActor, id, 'revoke', {
        nowMs: at,
        comment: `no longer needed: ${verdicts.get(record.id)?.why ?? ''}`,
        data: { reason: 'no-longer-needed', sweptBy: actor.name },
        closure: 'no-longer-needed',
      });
      report.revoked.push(id);
      await syncOrReport(deps, controllerActor, revoked, 'delete');
    } catch (e) {
      // Revoked or renewed by someone meanwhile: nothing to do. A target that refused the removal is
      // retried by the next sweep, as for any revoke.
      if (isWaiverError(e) && (e.code === 'illegal_transition' || e.code === 'conflict')) continue;
      report.failed.push({ id, error: messageOf(e) });
    }
  }
  return report;
}

/** Records the flag's event unless one was recorded before (in the same transaction). */
async function flagOnce(
  deps: ServiceDeps,
  actor: Actor,
  target: string,
  record: ExceptionRecord,
  verdict: StillNeeded,
  at: number,
): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const before = await tx.listAudit({ exceptionId: record.id, action: 'no_longer_needed', limit: 1 });
    if (before.length > 0) return;
    await recordEvent(
      deps,
      tx,
      {
        at: toRfc3339(at),
        actor: actor.name,
        action: 'no_longer_needed',
        exceptionId: record.id,
        data: {
          target,
          why: verdict.why,
          resources: verdict.resources.map(
            (r) =>
              `${r.resource.kind} ${r.resource.namespace ? `${r.resource.namespace}/` : ''}${r.resource.name}: ${r.why}`,
          ),
        },
      },
      { record },
    );
  });
}
