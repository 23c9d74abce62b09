import { randomUUID } from 'node:crypto';
import { isWaiverError, messageOf, WaiverError } from '../domain/errors.js';
import { formatId, type ExceptionRecord } from '../domain/exception.js';
import { planSweep, type SweepAction } from '../domain/sweep-plan.js';
import { DAY_MS, toRfc3339, wholeSeconds } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import { applyTransition, applyTransitions, type ChangeOptions } from './change-state.js';
import type { ServiceDeps } from './deps.js';
import type { StoreWriter } from './ports/store.js';
import { enqueueWeeklyDigest } from './weekly-digest.js';
import { mapBounded, TARGET_CONCURRENCY } from './bounded.js';
import { operationsAtOnce, performOnTarget, recordSyncIn, recordSyncs, syncAll } from './sync-target.js';
import { checkStillNeeded } from './still-needed.js';
import { targetNamed, targetOf } from './targets.js';

export interface SweepReport {
  at: string;
  reminded: string[];
  expired: string[];
  written: string[];
  deleted: string[];
  /**
   * Each PolicyException taken off its target, expired now or its removal retried: its name and target,
   * and the pull request that removes it once merged, where a repository takes changes that way.
   */
  removed: RemovedException[];
  failed: { id: string; error: string }[];
  /** Actions another writer made moot between planning and acting (a revoke, a concurrent sweep). */
  skipped: { id: string; reason: string }[];
  /** Pull requests found merged (the change is applied now) or closed unmerged (an error now). */
  merged: string[];
  /**
   * Exceptions in effect on a cluster whose every covered resource would now pass its policy without
   * them (each one's requestor is told once), and those revoked for it (`autoRevokeNoLongerNeeded`).
   */
  noLongerNeeded: string[];
  revokedNoLongerNeeded: string[];
  /** Set when another replica holds the sweep lease: this run did nothing. */
  leaseHeldElsewhere?: true;
}

export interface RemovedException {
  id: string;
  name: string;
  target: string;
  proposal?: string;
}

const removedEntry = (record: ExceptionRecord, proposal?: string | null): RemovedException => ({
  id: formatId(record.id),
  name: record.name,
  target: record.target,
  ...(proposal ? { proposal } : {}),
});

/** Long enough for any sweep; a replica that dies mid-run frees the lease when it lapses. */
const SWEEP_LEASE = { name: 'sweep', ttlMs: 5 * 60_000 };

/** One sweep: who runs it, as of which instant, on which targets, and what it has done so far. */
interface SweepRun {
  deps: ServiceDeps;
  actor: Actor;
  at: number;
  scope: SweepScope;
  report: SweepReport;
}

/**
 * Which records a sweep acts on: those of some targets (one cluster's controller sweeps its own, so a
 * cluster that hangs stalls only its own), or all of them.
 */
export interface SweepScope {
  targets?: readonly string[] | undefined;
}

/**
 * The controller's periodic work, once, as of `nowMs`: remind 7 days before expiry, remove what expired,
 * retry failed target writes and deletes. Planned from the records (pure), so a second run does nothing.
 */
export async function sweep(
  deps: ServiceDeps,
  actor: Actor,
  nowMs = deps.clock.now(),
  scope: SweepScope = {},
): Promise<SweepReport> {
  authorize(actor, 'sweep');
  // A target named by mistake would sweep nothing and say nothing.
  for (const name of scope.targets ?? []) targetNamed(deps, name);
  const at = wholeSeconds(nowMs);
  const { store, clock } = deps;
  // Replicas share one database: only the lease holder acts, so nothing is reminded or removed twice.
  // Each run holds it in its own name, so one run's release never frees it under another of this process.
  // A scoped sweep leases its targets only: one cluster's controller never waits for another's.
  const lease = scope.targets
    ? `${SWEEP_LEASE.name}:${[...scope.targets].sort().join(',')}`
    : SWEEP_LEASE.name;
  const holder = `${deps.instance}/${randomUUID()}`;
  if (!(await store.tryAcquireLease(lease, holder, clock.now(), SWEEP_LEASE.ttlMs)))
    return { ...emptyReport(at), leaseHeldElsewhere: true };
  try {
    return await sweepAsLeader({ deps, actor, at, scope, report: emptyReport(at) });
  } finally {
    await store.releaseLease(lease, holder);
  }
}

const emptyReport = (at: number): SweepReport => ({
  at: toRfc3339(at),
  reminded: [],
  expired: [],
  written: [],
  deleted: [],
  removed: [],
  failed: [],
  skipped: [],
  merged: [],
  noLongerNeeded: [],
  revokedNoLongerNeeded: [],
});

/** Actions one transaction commits: a sweep of thousands takes the write lock in short turns. */
const SWEEP_BATCH = 500;

async function sweepAsLeader(run: SweepRun): Promise<SweepReport> {
  const { deps, actor, at } = run;
  const candidates = await sweepCandidates(deps, at, run.scope);
  const byId = new Map(candidates.map((r) => [r.id, r]));
  const plan = planSweep(candidates, at, deps.settings);
  // Each kind of action in the plan's order, done in chunks: reminders, expiries, then retries.
  const planned = (kind: SweepAction['kind']): ExceptionRecord[] =>
    plan.flatMap((a) => (a.kind === kind ? (byId.get(a.id) ?? []) : []));
  for (const chunk of chunks(planned('remind'))) await remind(run, chunk);
  for (const chunk of chunks(planned('expire'))) await expire(run, chunk);
  for (const chunk of chunks(planned('write')))
    noteSyncs(run, await syncAll(deps, actor, chunk, 'write', at), run.report.written);
  for (const chunk of chunks(planned('delete'))) {
    const removed = await syncAll(deps, actor, chunk, 'delete', at);
    noteSyncs(run, removed, run.report.deleted);
    for (const record of removed)
      if (record.syncStatus !== 'error')
        run.report.removed.push(
          removedEntry(record, record.syncStatus === 'pending-merge' ? record.syncUrl : undefined),
        );
  }
  for (const chunk of chunks(planned('release')))
    await recordSyncs(
      deps,
      actor,
      chunk.map(({ id }) => ({ id })),
      'release',
      at,
    );
  await checkProposals(run);
  await checkClusters(run);
  await enqueueWeeklyDigest(deps, at);
  return run.report;
}

/**
 * Each cluster in scope, once a sweep, inside the sweep's lease (so replicas never flag one twice): the
 * exceptions no longer needed, by their live objects (decision 0024).
 */
async function checkClusters(run: SweepRun): Promise<void> {
  const { deps, actor, at, report } = run;
  for (const name of run.scope.targets ?? deps.targets.names) {
    if (!deps.targets.get(name)?.cluster) continue;
    const checked = await checkStillNeeded(deps, actor, name, at);
    const revoked = new Set(checked.revoked);
    report.noLongerNeeded.push(...checked.flagged.filter((id) => !revoked.has(id)));
    report.revokedNoLongerNeeded.push(...checked.revoked);
    report.failed.push(...checked.failed);
  }
}

/**
 * Changes waiting in pull requests: a merged one is applied (synced), one closed unmerged is an error that
 * names it, one still open waits. A forge that cannot be asked is an error too, retried next time.
 */
async function checkProposals(run: SweepRun): Promise<void> {
  const { deps, actor, at, report } = run;
  const waiting = await deps.store.listExceptions({
    syncStatuses: ['pending-merge'],
    ...(run.scope.targets ? { targets: run.scope.targets } : {}),
  });
  const outcomes = await mapBounded(waiting, TARGET_CONCURRENCY, async (record) => {
    const url = record.syncUrl ?? '';
    try {
      const { target } = targetOf(deps, record);
      const { state, mergeCommit } = target.capabilities.proposals
        ? await target.proposalState(url)
        : { state: 'merged' as const, mergeCommit: undefined };
      if (state === 'open') return undefined;
      if (state === 'closed')
        return {
          id: record.id,
          error: `pull request ${url} was closed without merging; request the change again`,
        };
      // Merged: the merge commit is the last write now; the request stays on show.
      return { id: record.id, merged: { url, revision: mergeCommit ?? record.syncRevision ?? undefined } };
    } catch (e) {
      return { id: record.id, error: `pull request ${url}: ${messageOf(e)}` };
    }
  });
  const decided = outcomes.filter((o) => o !== undefined);
  const active = new Set(waiting.filter((r) => r.state === 'active').map((r) => r.id));
  // Each outcome is recorded as the operation its record was waiting on: a write while it is active.
  for (const operation of ['write', 'delete'] as const) {
    const chosen = decided.filter((o) => active.has(o.id) === (operation === 'write'));
    for (const saved of await recordSyncs(deps, actor, chosen, operation, at)) {
      if (saved.syncStatus === 'error')
        report.failed.push({ id: formatId(saved.id), error: saved.syncError ?? '' });
      else report.merged.push(formatId(saved.id));
    }
  }
}

/**
 * What the plan needs, and no more (a sweep of 50,000 exceptions reads a few hundred in a steady
 * state): active exceptions within the reminder window or past it, those whose target write or delete
 * is unconfirmed, and the current holders of those names (so an ended one's object is released, not
 * deleted from under its successor).
 */
async function sweepCandidates(deps: ServiceDeps, at: number, scope: SweepScope): Promise<ExceptionRecord[]> {
  const { store, settings } = deps;
  const targets = scope.targets ? { targets: scope.targets } : {};
  const due = await store.listExceptions({
    states: ['active'],
    expiresBy: toRfc3339(at + settings.reminderDays * DAY_MS),
    ...targets,
  });
  const unsynced = await store.listExceptions({
    states: ['active', 'removed'],
    syncStatuses: ['pending', 'error'],
    ...targets,
  });
  const ended = [...new Set(unsynced.filter((r) => r.state === 'removed').map((r) => r.name))];
  const namesakes: ExceptionRecord[] = [];
  // A chunk of names a query keeps every statement within the databases' parameter limits.
  for (const names of chunks(ended))
    namesakes.push(...(await store.listExceptions({ states: ['active'], names })));
  const byId = new Map([...due, ...unsynced, ...namesakes].map((r) => [r.id, r]));
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += SWEEP_BATCH) yield items.slice(i, i + SWEEP_BATCH);
}

function noteSyncs(run: SweepRun, synced: readonly ExceptionRecord[], done: string[]): void {
  for (const record of synced) {
    const id = formatId(record.id);
    if (record.syncStatus === 'error') run.report.failed.push({ id, error: record.syncError ?? '' });
    else done.push(id);
  }
}

/**
 * Records the reminders of one chunk, and their notifications, in one transaction: the records planned
 * are saved a statement at a time, and only those another writer changed meanwhile one by one.
 */
async function remind(run: SweepRun, records: readonly ExceptionRecord[]): Promise<void> {
  const { deps, actor, at, report } = run;
  const options = (record: ExceptionRecord): ChangeOptions => ({
    nowMs: at,
    data: { expiresAt: record.expiresAt },
  });
  const reminded = await deps.store.transaction(async (tx) => {
    const { saved, refused, conflicts } = await applyTransitions(deps, tx, actor, records, 'remind', options);
    for (const { record, error } of refused)
      report.skipped.push({ id: formatId(record.id), reason: error.message });
    const done = new Set(saved.map((r) => r.id));
    for (const record of conflicts)
      if (await transitionOrSkip(run, tx, record, 'remind', options(record))) done.add(record.id);
    return records.filter((r) => done.has(r.id));
  });
  report.reminded.push(...reminded.map((r) => formatId(r.id)));
}

/**
 * Removes one chunk's expired exceptions from the target (several at a time), then records in one
 * transaction the end of each confirmed removal, and a sync failure for each refused one: only a
 * confirmed removal ends a record, so nothing lingers unseen.
 */
async function expire(run: SweepRun, records: readonly ExceptionRecord[]): Promise<void> {
  const { deps, actor, at, report } = run;
  const removals = await mapBounded(records, operationsAtOnce(deps, records), async (record) => ({
    record,
    ...(await performOnTarget(deps, record, 'delete')),
  }));
  const ended = await deps.store.transaction(async (tx) => {
    const done: { record: ExceptionRecord; proposal: string | undefined }[] = [];
    for (const { record, error, receipt } of removals) {
      if (error !== undefined) {
        const failed = await recordSyncIn(deps, tx, actor, { id: record.id, error }, 'delete', toRfc3339(at));
        report.failed.push({ id: formatId(record.id), error: failed.syncError ?? '' });
        continue;
      }
      const latencySeconds = Math.max(0, Math.round((at - Date.parse(record.expiresAt)) / 1000));
      const data = { expiresAt: record.expiresAt, latencySeconds };
      const changed = await transitionOrSkip(run, tx, record, 'expire', { nowMs: at, data });
      if (!changed) continue;
      // A removal commit or pull request is shown on the record (and a pull request waits to be merged).
      if (receipt?.revision !== undefined || receipt?.proposal !== undefined)
        await recordSyncIn(deps, tx, actor, { id: record.id, receipt }, 'delete', toRfc3339(at));
      done.push({ record: changed, proposal: receipt?.proposal });
    }
    return done;
  });
  report.expired.push(...ended.map(({ record }) => formatId(record.id)));
  report.removed.push(...ended.map(({ record, proposal }) => removedEntry(record, proposal)));
}

/** The lifecycle action, or, when another writer made it moot meanwhile (a revoke), a skip: not fatal. */
async function transitionOrSkip(
  run: SweepRun,
  tx: StoreWriter,
  planned: ExceptionRecord,
  action: 'remind' | 'expire',
  options: ChangeOptions,
): Promise<ExceptionRecord | undefined> {
  try {
    return await transitionLatest(run, tx, planned, action, options);
  } catch (e) {
    if (!isWaiverError(e) || (e.code !== 'illegal_transition' && e.code !== 'conflict')) throw e;
    run.report.skipped.push({ id: formatId(planned.id), reason: e.message });
    return undefined;
  }
}

/**
 * On the record as planned, without reading it again; if another writer changed it since (its version
 * moved on), on the record as it is now.
 */
async function transitionLatest(
  { deps, actor }: SweepRun,
  tx: StoreWriter,
  planned: ExceptionRecord,
  action: 'remind' | 'expire',
  options: ChangeOptions,
): Promise<ExceptionRecord> {
  try {
    return await applyTransition(deps, tx, actor, planned, action, options);
  } catch (e) {
    if (!isWaiverError(e) || e.code !== 'conflict') throw e;
    const current = await tx.getException(planned.id);
    if (!current)
      throw new WaiverError('not_found', `${formatId(planned.id)} vanished during the sweep`, 'id');
    return applyTransition(deps, tx, actor, current, action, options);
  }
}
