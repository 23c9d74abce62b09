import { randomUUID } from 'node:crypto';
import { isWaiverError, messageOf, WaiverError } from '../domain/errors.js';
import { formatId, type ExceptionRecord } from '../domain/exception.js';
import { planSweep, type SweepAction } from '../domain/sweep-plan.js';
import { humanDuration, toRfc3339, wholeSeconds } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import { applyTransition, type ChangeOptions } from './change-state.js';
import type { ServiceDeps } from './deps.js';
import type { NotificationKind } from './ports.js';
import { recordSync, syncToTarget } from './sync-target.js';

export interface SweepReport {
  at: string;
  reminded: string[];
  expired: string[];
  written: string[];
  deleted: string[];
  failed: { id: string; error: string }[];
  /** Actions another writer made moot between planning and acting (a revoke, a concurrent sweep). */
  skipped: { id: string; reason: string }[];
  /** Set when another replica holds the sweep lease: this run did nothing. */
  leaseHeldElsewhere?: true;
}

/** Long enough for any sweep; a replica that dies mid-run frees the lease when it lapses. */
const SWEEP_LEASE = { name: 'sweep', ttlMs: 5 * 60_000 };

/** One sweep: who runs it, as of which instant, and what it has done so far. */
interface SweepRun {
  deps: ServiceDeps;
  actor: Actor;
  at: number;
  report: SweepReport;
}

/**
 * The controller's periodic work, once, as of `nowMs`: remind 7 days before expiry, remove what expired,
 * retry failed target writes and deletes. Planned from the records (pure), so a second run does nothing.
 */
export async function sweep(deps: ServiceDeps, actor: Actor, nowMs = deps.clock.now()): Promise<SweepReport> {
  authorize(actor, 'sweep');
  const at = wholeSeconds(nowMs);
  const { store, clock } = deps;
  // Replicas share one database: only the lease holder acts, so nothing is reminded or removed twice.
  // Each run holds it in its own name, so one run's release never frees it under another of this process.
  const holder = `${deps.instance}/${randomUUID()}`;
  if (!(await store.tryAcquireLease(SWEEP_LEASE.name, holder, clock.now(), SWEEP_LEASE.ttlMs)))
    return { ...emptyReport(at), leaseHeldElsewhere: true };
  try {
    return await sweepAsLeader(deps, actor, at);
  } finally {
    await store.releaseLease(SWEEP_LEASE.name, holder);
  }
}

const emptyReport = (at: number): SweepReport => ({
  at: toRfc3339(at),
  reminded: [],
  expired: [],
  written: [],
  deleted: [],
  failed: [],
  skipped: [],
});

async function sweepAsLeader(deps: ServiceDeps, actor: Actor, at: number): Promise<SweepReport> {
  const candidates = [
    ...(await deps.store.listExceptions({ states: ['active'] })),
    ...(await deps.store.listExceptions({ states: ['removed'], syncStatuses: ['pending', 'error'] })),
  ];
  const byId = new Map(candidates.map((r) => [r.id, r]));
  const report = emptyReport(at);
  const run: SweepRun = { deps, actor, at, report };
  for (const action of planSweep(candidates, at, deps.settings)) {
    const record = byId.get(action.id);
    if (record) await performOrSkip(run, action, record);
  }
  return report;
}

/** The plan was made from a snapshot: an action that is no longer legal is skipped, not fatal. */
async function performOrSkip(run: SweepRun, action: SweepAction, record: ExceptionRecord): Promise<void> {
  try {
    await perform(run, action, record);
  } catch (e) {
    if (!isWaiverError(e) || (e.code !== 'illegal_transition' && e.code !== 'conflict')) throw e;
    run.report.skipped.push({ id: formatId(record.id), reason: e.message });
  }
}

async function perform(
  { deps, actor, at, report }: SweepRun,
  action: SweepAction,
  record: ExceptionRecord,
): Promise<void> {
  const id = formatId(record.id);
  const noteSync = (result: ExceptionRecord, done: string[]): void => {
    if (result.syncStatus === 'error') report.failed.push({ id, error: result.syncError ?? '' });
    else done.push(id);
  };
  switch (action.kind) {
    case 'remind': {
      const data = { expiresAt: record.expiresAt };
      const reminded = await transitionCurrent(deps, actor, record.id, 'remind', { nowMs: at, data });
      await tell(deps, reminded, 'reminder', at);
      report.reminded.push(id);
      return;
    }
    case 'expire':
      return expire({ deps, actor, at, report }, record);
    case 'write':
      return noteSync(await syncToTarget(deps, actor, record, 'write', at), report.written);
    case 'delete':
      return noteSync(await syncToTarget(deps, actor, record, 'delete', at), report.deleted);
    case 'release':
      await recordSync(deps, actor, record.id, 'release', at);
      return;
  }
}

/** Remove from the target first; only a confirmed removal ends the record, so nothing lingers unseen. */
async function expire({ deps, actor, at, report }: SweepRun, record: ExceptionRecord): Promise<void> {
  const id = formatId(record.id);
  try {
    await deps.target.remove(deps.settings.exceptionNamespace, record.name);
  } catch (e) {
    const failed = await recordSync(deps, actor, record.id, 'delete', at, messageOf(e));
    report.failed.push({ id, error: failed.syncError ?? '' });
    return;
  }
  const latencySeconds = Math.max(0, Math.round((at - Date.parse(record.expiresAt)) / 1000));
  const data = { expiresAt: record.expiresAt, latencySeconds };
  const ended = await transitionCurrent(deps, actor, record.id, 'expire', { nowMs: at, data });
  await tell(deps, ended, 'expired', at);
  report.expired.push(id);
}

/** Lifecycle action on the record as it is now, inside the transaction, not as it was planned. */
function transitionCurrent(
  deps: ServiceDeps,
  actor: Actor,
  id: number,
  action: 'remind' | 'expire',
  options: ChangeOptions,
): Promise<ExceptionRecord> {
  return deps.store.transaction(async (tx) => {
    const current = await tx.getException(id);
    if (!current) throw new WaiverError('not_found', `${formatId(id)} vanished during the sweep`, 'id');
    return applyTransition(deps, tx, actor, current, action, options);
  });
}

async function tell(
  deps: ServiceDeps,
  record: ExceptionRecord,
  kind: NotificationKind,
  at: number,
): Promise<void> {
  const recipients = [record.requestor, record.approver, record.applier].filter(
    (p): p is string => p !== null,
  );
  const id = formatId(record.id);
  const text =
    kind === 'reminder'
      ? `${id} (${record.name}) expires at ${record.expiresAt}, in ${humanDuration(Date.parse(record.expiresAt) - at)}: review it — remove, renew with a new justification, or escalate`
      : `${id} (${record.name}) expired at ${record.expiresAt} and was removed; if it is still needed, renew it (waiver renew ${id})`;
  await deps.notifier.notify({ kind, exception: record, recipients: [...new Set(recipients)], text });
}
