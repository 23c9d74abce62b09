import { WaiverError } from '../domain/errors.js';
import { formatId, type ExceptionRecord } from '../domain/exception.js';
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

/**
 * The cluster whose reports speak of an exception: its own target where that is a cluster; for one on a
 * Git or folder target, the cluster named by `reportsFrom` (the one its manifests reach: Waiver does not
 * know where Argo CD or Flux applies them).
 */
function reportsClusterOf(deps: ServiceDeps, record: ExceptionRecord, reportsFrom: string | undefined) {
  const own = deps.targets.get(record.target);
  if (own?.cluster) {
    if (reportsFrom !== undefined && reportsFrom !== record.target)
      throw new WaiverError(
        'usage',
        `${formatId(record.id)} lives on cluster "${record.target}", whose policy reports speak of it: reports are read from another cluster only for an exception on a Git or folder target`,
        'reportsFrom',
      );
    return inventoryOf(deps, record.target);
  }
  if (reportsFrom !== undefined) return reportsInventory(deps, reportsFrom);
  if (!own) return inventoryOf(deps, record.target);
  const clusters = clusterTargets(deps).map((t) => t.name);
  throw new WaiverError(
    'usage',
    `${formatId(record.id)} lives on "${record.target}", a target without policy reports: name the cluster its manifests reach (${clusters.length ? `configured: ${clusters.join(', ')}` : 'no cluster is configured'})`,
    'reportsFrom',
  );
}

/** The cluster named by `reportsFrom`, or a usage error naming that field. */
const reportsInventory = (deps: ServiceDeps, name: string): ClusterInventory =>
  clusterOf(deps, "evidence reads the cluster's policy reports", name, '', 'reportsFrom').inventory;

/** `evidence EX-42 [--reports-from CLUSTER]`: what the policy reports prove about one exception. */
export async function exceptionEvidenceOf(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  reportsFrom?: string,
): Promise<ExceptionEvidence> {
  authorize(actor, 'read');
  if (clusterTargets(deps).length === 0) inventoryOf(deps);
  const record = await resolveException(deps.store, ref);
  const inventory = reportsClusterOf(deps, record, reportsFrom);
  const [found, { verdicts }] = await Promise.all([
    results(inventory),
    stillNeededOn(deps, inventory, [record]),
  ]);
  return evidenceFor(deps, record, found, verdicts);
}

/**
 * `evidence [--reports-from CLUSTER]`: every exception in effect, and those ended in the last 30 days
 * (reports may outlive them), each with what the reports prove; flagged ones first. Each cluster's
 * reports speak of that cluster's exceptions; those on Git and folder targets are read from the cluster
 * `reportsFrom` names, and left out without it.
 */
export async function allEvidence(
  deps: ServiceDeps,
  actor: Actor,
  reportsFrom?: string,
): Promise<{ items: ExceptionEvidence[] }> {
  authorize(actor, 'read');
  const clusters = clusterTargets(deps);
  if (clusters.length === 0) inventoryOf(deps);
  const items: ExceptionEvidence[] = [];
  for (const { name, cluster } of clusters)
    if (cluster) items.push(...(await evidenceOn(deps, [name], cluster.inventory)));
  if (reportsFrom !== undefined) {
    const gitOps = deps.targets.names.filter((name) => !deps.targets.get(name)?.cluster);
    if (gitOps.length > 0)
      items.push(...(await evidenceOn(deps, gitOps, reportsInventory(deps, reportsFrom))));
  }
  return { items: items.sort((a, b) => b.flags.length - a.flags.length) };
}

async function evidenceOn(
  deps: ServiceDeps,
  targets: string[],
  inventory: ClusterInventory,
): Promise<ExceptionEvidence[]> {
  const since = deps.clock.now() - ENDED_WINDOW_DAYS * DAY_MS;
  const [live, ended, found] = await Promise.all([
    deps.store.listExceptions({ states: ['active'], targets }),
    deps.store.listExceptions({ states: ['removed'], targets }),
    results(inventory),
  ]);
  const recent = ended.filter((r) => Date.parse(r.removedAt ?? r.expiresAt) >= since);
  // One read of the live objects for all of the cluster's exceptions, whatever their number.
  const { verdicts } = await stillNeededOn(deps, inventory, live);
  return [...live, ...recent].map((r) => evidenceFor(deps, r, found, verdicts));
}
