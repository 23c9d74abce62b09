import { resourceUnderTest } from '../domain/coverage.js';
import { isWaiverError, messageOf } from '../domain/errors.js';
import type { PolicyDocument } from '../domain/evaluate/rule-verdict.js';
import { formatId, type ExceptionRecord } from '../domain/exception.js';
import { renderManifest } from '../domain/render.js';
import { stillNeeded, type StillNeeded } from '../domain/still-needed.js';
import { toRfc3339 } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import { changeState } from './change-state.js';
import type { ServiceDeps } from './deps.js';
import type { ClusterInventory } from './ports/cluster.js';
import { recordEvent } from './record-event.js';
import { ruleWithoutException } from './rule-without-exception.js';
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
): Promise<StillNeededOn> {
  const nowMs = deps.clock.now();
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

/** What the controller's pass did on one cluster. */
export interface StillNeededReport {
  target: string;
  /** Exceptions in effect that were checked. */
  checked: number;
  /** Those no longer needed (still active unless revoked below). */
  flagged: string[];
  /** Those whose requestor was told now (each is told once in its life). */
  notified: string[];
  /** Those revoked now because `autoRevokeNoLongerNeeded` is on. */
  revoked: string[];
  failed: { id: string; error: string }[];
  notes: string[];
}

/**
 * The controller's pass on one cluster: flags the exceptions no longer needed, records each one's first
 * flag once (the audit event `no_longer_needed`, whose notification tells its requestor through the
 * routes; a later pass, a restart or another replica finds the event and tells nobody again), and, only
 * where `autoRevokeNoLongerNeeded` is on, revokes them by the ordinary revoke (the target removal
 * included), audited with the reason.
 */
export async function checkStillNeeded(
  deps: ServiceDeps,
  actor: Actor,
  target: string,
): Promise<StillNeededReport> {
  authorize(actor, 'sweep');
  const cluster = targetNamed(deps, target).cluster;
  const report: StillNeededReport = {
    target,
    checked: 0,
    flagged: [],
    notified: [],
    revoked: [],
    failed: [],
    notes: [],
  };
  if (!cluster) return report;
  const records = await deps.store.listExceptions({ states: ['active'], targets: [target] });
  const { verdicts, notes } = await stillNeededOn(deps, cluster.inventory, records);
  report.checked = verdicts.size;
  report.notes.push(...notes);
  const flagged = records.filter((r) => verdicts.get(r.id)?.noLongerNeeded === true);
  report.flagged.push(...flagged.map((r) => formatId(r.id)));
  for (const record of flagged) {
    const verdict = verdicts.get(record.id);
    if (verdict && (await flagOnce(deps, actor, target, record, verdict)))
      report.notified.push(formatId(record.id));
  }
  if (!deps.settings.autoRevokeNoLongerNeeded) return report;
  authorize(actor, 'revoke');
  for (const record of flagged) {
    const id = formatId(record.id);
    try {
      const revoked = await changeState(deps, actor, id, 'revoke', {
        comment: `no longer needed: ${verdicts.get(record.id)?.why ?? ''}`,
        data: { reason: 'no-longer-needed' },
      });
      report.revoked.push(id);
      await syncOrReport(deps, actor, revoked, 'delete');
    } catch (e) {
      // Revoked or renewed by someone meanwhile: nothing to do. A target that refused the removal is
      // retried by the sweep, as for any revoke.
      if (isWaiverError(e) && (e.code === 'illegal_transition' || e.code === 'conflict')) continue;
      report.failed.push({ id, error: messageOf(e) });
    }
  }
  return report;
}

/** Records the flag's event unless one was recorded before: true when it was recorded now. */
async function flagOnce(
  deps: ServiceDeps,
  actor: Actor,
  target: string,
  record: ExceptionRecord,
  verdict: StillNeeded,
): Promise<boolean> {
  return deps.store.transaction(async (tx) => {
    const before = await tx.listAudit({ exceptionId: record.id, action: 'no_longer_needed', limit: 1 });
    if (before.length > 0) return false;
    await recordEvent(
      deps,
      tx,
      {
        at: toRfc3339(deps.clock.now()),
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
    return true;
  });
}
