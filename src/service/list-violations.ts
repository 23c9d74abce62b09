import { parseNamespace } from '../domain/namespace-name.js';
import type { NamedException } from '../domain/coverage.js';
import { messageOf } from '../domain/errors.js';
import type { ExceptionRecord } from '../domain/exception.js';
import type { DetailedReportResult } from '../domain/report-evidence.js';
import { renderManifest } from '../domain/render.js';
import { buildViolations, failingResults, type Violation } from '../domain/violations.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { ClusterServices } from './ports/cluster.js';
import { clusterOf, clusterTargets } from './targets.js';

/** The resources reports name most, and the controllers ownerReferences lead to from a pod. */
const OWNER_KINDS = ['Pod', 'ReplicaSet', 'Deployment', 'Job', 'CronJob', 'StatefulSet', 'DaemonSet'];

export interface ViolationFilter {
  namespace?: string | undefined;
  /** As the report names it, or as a request does (`Kind/name` for a CEL policy). */
  policy?: string | undefined;
  target?: string | undefined;
}

export interface ViolationList {
  items: Violation[];
  /** What limits the answer: a cluster whose policies could not be read. */
  notes: string[];
}

/** The exceptions in effect on a target, as Kyverno holds them: what already covers a violation. */
export async function exceptionsInEffect(deps: ServiceDeps, target: string): Promise<NamedException[]> {
  const now = deps.clock.now();
  const active = await deps.store.listExceptions({ states: ['active'], targets: [target] });
  return active
    .filter((r: ExceptionRecord) => Date.parse(r.expiresAt) > now)
    .map((r) => {
      const manifest = renderManifest(r, deps.settings);
      return {
        namespace: manifest.metadata.namespace ?? '',
        name: manifest.metadata.name,
        spec: manifest.spec,
      };
    });
}

/** Report name → `Kind/name` for the CEL policies the cluster holds: requests name them so. */
async function celPolicies(cluster: ClusterServices, notes: string[], target: string) {
  try {
    const known = await cluster.catalog.policies();
    return new Map(known.filter((p) => p.cel).map((p) => [p.name.split('/')[1] ?? p.name, p.name]));
  } catch (e) {
    notes.push(`cannot read the policies of cluster target ${target}: ${messageOf(e)}`);
    return new Map<string, string>();
  }
}

export const matchesPolicy = (v: Violation, policy: string | undefined) =>
  policy === undefined || v.policy === policy || v.policy.split('/').pop() === policy;

/** The violations of one cluster target, filtered by namespace and policy. */
export async function violationsOn(
  deps: ServiceDeps,
  target: string,
  cluster: ClusterServices,
  filter: ViolationFilter,
  notes: string[],
): Promise<Violation[]> {
  return (await readViolations(deps, target, cluster, filter, notes)).violations;
}

/** The same, with the objects read to resolve owners (a draft looks at the live resource). */
export async function readViolations(
  deps: ServiceDeps,
  target: string,
  cluster: ClusterServices,
  filter: ViolationFilter,
  notes: string[],
): Promise<{ violations: Violation[]; objects: readonly Record<string, unknown>[] }> {
  const results: DetailedReportResult[] = (await cluster.inventory.reports())
    .flatMap(failingResults)
    .filter((r) => filter.namespace === undefined || r.resource.namespace === filter.namespace);
  if (results.length === 0) return { violations: [], objects: [] };
  const namespaces = [...new Set(results.map((r) => r.resource.namespace).filter(Boolean))].sort();
  const [found, namespaceLabels, exceptions, cel] = await Promise.all([
    namespaces.length
      ? cluster.inventory.objects(OWNER_KINDS, namespaces)
      : { objects: [], truncated: false },
    cluster.inventory.namespaceLabels(),
    exceptionsInEffect(deps, target),
    celPolicies(cluster, notes, target),
  ]);
  if (found.truncated)
    notes.push(`target ${target} has more objects than are read at once: some owners may be missing`);
  const violations = buildViolations({
    target,
    results,
    objects: found.objects,
    exceptions,
    celPolicies: cel,
    namespaceLabels,
    nowMs: deps.clock.now(),
  }).filter((v) => matchesPolicy(v, filter.policy));
  return { violations, objects: found.objects };
}

/**
 * `violations`: the failing and erroring results of every cluster target's policy reports (both API
 * groups), grouped by resource and policy, with owners resolved and coverage by the exceptions in effect.
 */
export async function listViolations(
  deps: ServiceDeps,
  actor: Actor,
  filter: ViolationFilter = {},
): Promise<ViolationList> {
  authorize(actor, 'read');
  if (filter.namespace !== undefined) parseNamespace(filter.namespace);
  const what = 'violations reads the policy reports of a cluster';
  const clusters =
    filter.target !== undefined
      ? [{ name: filter.target, cluster: clusterOf(deps, what, filter.target) }]
      : clusterTargets(deps);
  if (clusters.length === 0) clusterOf(deps, what);
  const notes: string[] = [];
  const items: Violation[] = [];
  for (const { name, cluster } of clusters)
    if (cluster) items.push(...(await violationsOn(deps, name, cluster, filter, notes)));
  return { items, notes };
}
