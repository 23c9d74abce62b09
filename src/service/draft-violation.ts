import { parseCelPolicyRef } from '../domain/cel-exception.js';
import { WaiverError } from '../domain/errors.js';
import { draftFromViolation, type ViolationDraft } from '../domain/violation-draft.js';
import { objectIndex, parseViolationRef } from '../domain/violations.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { matchesPolicy, readViolations } from './list-violations.js';
import { clusterOf } from './targets.js';
import type { ClusterServices } from './ports/cluster.js';
import { checkPod, type PssFailure } from '../domain/pss/index.js';
import type { Violation } from '../domain/violations.js';

/** Which violation to draft from: the resource as `KIND/NS/NAME`, the policy, and optionally some of its failing rules. */
export interface ViolationRef {
  resource: string;
  policy: string;
  rules?: readonly string[] | undefined;
  target?: string | undefined;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

const imagesOf = (pod: Obj | undefined): string[] => {
  const spec = obj(pod?.['spec']);
  const containers = ['initContainers', 'containers', 'ephemeralContainers'].flatMap((k) =>
    Array.isArray(spec[k]) ? (spec[k] as unknown[]) : [],
  );
  return [
    ...new Set(containers.map((c) => obj(c)['image']).filter((i): i is string => typeof i === 'string')),
  ];
};

/**
 * `request --from-violation`: the narrowest request that lets a failing resource through, from the
 * policy reports of its cluster target as they are now. A violation the reports no longer show is
 * refused by name: nothing is drafted from memory.
 */
export async function draftViolation(
  deps: ServiceDeps,
  actor: Actor,
  ref: ViolationRef,
): Promise<ViolationDraft> {
  authorize(actor, 'request');
  const target = ref.target ?? deps.targets.defaultName;
  const cluster = clusterOf(deps, 'a draft from a violation reads the policy reports of a cluster', target);
  const wanted = parseViolationRef(ref.resource);
  const { violations, objects } = await readViolations(
    deps,
    target,
    cluster,
    { namespace: wanted.namespace || undefined },
    [],
  );
  const sameResource = (kind: string, name: string, v: (typeof violations)[number]) =>
    v.resource.kind === kind && v.resource.name === name && v.resource.namespace === wanted.namespace;
  const violation = violations.find(
    (v) => sameResource(wanted.kind, wanted.name, v) && matchesPolicy(v, ref.policy),
  );
  if (!violation)
    throw new WaiverError(
      'not_found',
      `no policy report of target ${target} shows ${wanted.kind} ${wanted.namespace ? `${wanted.namespace}/` : ''}${wanted.name} failing ${ref.policy}: the violation no longer exists (or never did), and nothing is drafted`,
      'from-violation',
    );
  const index = objectIndex(objects);
  const live = index.get(`${wanted.kind}\n${wanted.namespace}\n${wanted.name}`);
  const owner = violation.owner;
  const controllerFails =
    owner !== null &&
    violations.some((v) => v.policy === violation.policy && sameResource(owner.kind, owner.name, v));
  const celKind = parseCelPolicyRef(violation.policy)?.kind;
  const podSecurityFailures = await podSecurityOf(cluster, violation, live);
  const celReads =
    celKind && celKind !== 'ImageValidatingPolicy' ? await celReadsOf(cluster, violation) : undefined;
  const images = celKind === 'ImageValidatingPolicy' || celReads?.allowedImages;
  return draftFromViolation(violation, deps.settings, {
    ...(podSecurityFailures.length ? { podSecurityFailures } : {}),
    ...(ref.rules?.length ? { rules: ref.rules } : {}),
    live: live !== undefined,
    controllerFails,
    ...(images ? { images: imagesOf(live) } : {}),
    ...(celReads ? { celReads } : {}),
  });
}

/**
 * What a CEL policy reads of the exceptions that match (Kyverno binds `exceptions.allowedImages` and
 * `exceptions.allowedValues` for Validating, Mutating and Generating policies): a list the draft can
 * fill instead of skipping the policy whole.
 */
async function celReadsOf(
  cluster: ClusterServices,
  violation: Violation,
): Promise<{ allowedImages: boolean; allowedValues: boolean } | undefined> {
  const policy = await cluster.inventory.policy(violation.policy);
  if (!policy) return undefined;
  const text = JSON.stringify(policy['spec'] ?? {});
  return {
    allowedImages: /\bexceptions\.allowedImages\b/.test(text),
    allowedValues: /\bexceptions\.allowedValues\b/.test(text),
  };
}

/**
 * What the pod fails of the Pod Security rules among the violation's, judged as Kyverno judges them at
 * the rule's level and version (none for other rules, or a policy the cluster no longer has).
 */
async function podSecurityOf(
  cluster: ClusterServices,
  violation: Violation,
  live: Obj | undefined,
): Promise<PssFailure[]> {
  if (!live || parseCelPolicyRef(violation.policy)) return [];
  const policy = await cluster.inventory.policy(violation.policy);
  const rules = (obj(policy?.['spec'])['rules'] as unknown[] | undefined) ?? [];
  const failing = new Set(violation.rules.map((r) => r.rule.replace(/^autogen-(cronjob-)?/, '')));
  const failures: PssFailure[] = [];
  for (const rule of rules.map(obj)) {
    const pss = obj(obj(rule['validate'])['podSecurity']);
    if (!failing.has(String(rule['name'])) || pss['level'] === undefined) continue;
    const checked = checkPod(live, pss['level'], pss['version'] ?? 'latest', 'kyverno');
    if (checked.status === 'fail') failures.push(...checked.failures);
  }
  return failures;
}
