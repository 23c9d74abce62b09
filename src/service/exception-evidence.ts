import type { ExceptionRecord } from '../domain/exception.js';
import { renderManifest } from '../domain/render.js';
import {
  exceptionEvidence,
  reportResults,
  type ExceptionEvidence,
  type ReportResult,
} from '../domain/report-evidence.js';
import { DAY_MS } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { ClusterInventory } from './ports/cluster.js';
import { clusterOf, clusterTargets } from './targets.js';
import { resolveException } from './resolve.js';
import { stillNeededOn } from './still-needed.js';
import type { StillNeeded } from '../domain/still-needed.js';

/** How long after its end an exception is still checked for reports that outlive it. */
const ENDED_WINDOW_DAYS = 30;

const inventoryOf = (deps: ServiceDeps, target?: string) =>
  clusterOf(deps, "evidence reads the cluster's policy reports", target).inventory;

async function results(inventory: ClusterInventory): Promise<ReportResult[]> {
  return (await inventory.reports()).flatMap(reportResults);
}

const evidenceFor = (
  deps: ServiceDeps,
  record: ExceptionRecord,
  found: readonly ReportResult[],
  stillNeeded: ReadonlyMap<number, StillNeeded>,
) =>
  exceptionEvidence(
    record,
    renderManifest(record, deps.settings).spec,
    found,
    deps.clock.now(),
    deps.settings.unusedDays,
    stillNeeded.get(record.id),
  );

/** `evidence EX-42`: what the policy reports prove about one exception. */
export async function exceptionEvidenceOf(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<ExceptionEvidence> {
  authorize(actor, 'read');
  if (clusterTargets(deps).length === 0) inventoryOf(deps);
  const record = await resolveException(deps.store, ref);
  const inventory = inventoryOf(deps, record.target);
  const [found, { verdicts }] = await Promise.all([
    results(inventory),
    stillNeededOn(deps, inventory, [record]),
  ]);
  return evidenceFor(deps, record, found, verdicts);
}

/**
 * `evidence`: every exception in effect, and those ended in the last 30 days (reports may outlive them),
 * each with what the reports prove; flagged ones first.
 */
export async function allEvidence(deps: ServiceDeps, actor: Actor): Promise<{ items: ExceptionEvidence[] }> {
  authorize(actor, 'read');
  const clusters = clusterTargets(deps);
  if (clusters.length === 0) inventoryOf(deps);
  const items: ExceptionEvidence[] = [];
  // Each cluster's reports speak of that cluster's exceptions only.
  for (const { name, cluster } of clusters)
    if (cluster) items.push(...(await evidenceOn(deps, name, cluster.inventory)));
  return { items: items.sort((a, b) => b.flags.length - a.flags.length) };
}

async function evidenceOn(
  deps: ServiceDeps,
  target: string,
  inventory: ClusterInventory,
): Promise<ExceptionEvidence[]> {
  const since = deps.clock.now() - ENDED_WINDOW_DAYS * DAY_MS;
  const [live, ended, found] = await Promise.all([
    deps.store.listExceptions({ states: ['active'], targets: [target] }),
    deps.store.listExceptions({ states: ['removed'], targets: [target] }),
    results(inventory),
  ]);
  const recent = ended.filter((r) => Date.parse(r.removedAt ?? r.expiresAt) >= since);
  // One read of the live objects for all of the cluster's exceptions, whatever their number.
  const { verdicts } = await stillNeededOn(deps, inventory, live);
  return [...live, ...recent].map((r) => evidenceFor(deps, r, found, verdicts));
}
