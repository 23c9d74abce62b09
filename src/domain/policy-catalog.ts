import { parseCelPolicyRef } from './cel-exception.js';
import { policyRules, type KyvernoPolicyDoc } from './coverage.js';

/** A rule as a request names it, with the kinds its match names (empty: it names none). */
export interface KnownRule {
  name: string;
  kinds: string[];
}

/** A policy a request may name, as a target knows it. */
export interface KnownPolicy {
  /** As a request names it: `name` (ClusterPolicy), `namespace/name` (Policy) or `Kind/name` (CEL). */
  name: string;
  /** ClusterPolicy, Policy, or a CEL policy kind (ValidatingPolicy, …). */
  kind: string;
  /** A CEL policy: excepted whole by a `policies.kyverno.io` PolicyException, with no rules to name. */
  cel: boolean;
  /**
   * The rules as written; Kyverno's autogen rules are not listed, since a request adds them from its
   * kinds. Null when only the policy's name is known (a configuration names it, a cluster does not).
   */
  rules: KnownRule[] | null;
}

const kindOfName = (name: string): string =>
  parseCelPolicyRef(name)?.kind ?? (name.includes('/') ? 'Policy' : 'ClusterPolicy');

type PolicyObject = KyvernoPolicyDoc;

/** A policy object read from a cluster, its `kind` set, as a request would name it. */
export function knownPolicy(object: Record<string, unknown>): KnownPolicy {
  const policy = object as PolicyObject;
  const kind = policy.kind ?? 'ClusterPolicy';
  const name = policy.metadata?.name ?? '';
  if (kind !== 'ClusterPolicy' && kind !== 'Policy')
    return { name: `${kind}/${name}`, kind, cel: true, rules: [] };
  // Kyverno's autogen rules are left out: a request adds them from its own kinds.
  const written = new Set((policy.spec?.rules ?? []).map((r) => r.name));
  const rules = policyRules(policy)
    .filter((r) => written.has(r.rule))
    .map((r) => ({ name: r.rule, kinds: r.kinds }));
  const namespace = policy.metadata?.namespace;
  return { name: kind === 'Policy' && namespace ? `${namespace}/${name}` : name, kind, cel: false, rules };
}

/**
 * What a configuration knows of policies when no cluster says: the default policy with its default
 * rules, then each policy the notification groups name an owner for (rules not known).
 */
export function configuredPolicies(
  defaultPolicy: string,
  defaultRules: readonly string[],
  otherNames: readonly string[],
): KnownPolicy[] {
  const byName = new Map<string, KnownPolicy>();
  const add = (name: string, rules: KnownRule[] | null) => {
    const cel = parseCelPolicyRef(name) !== undefined;
    if (!byName.has(name)) byName.set(name, { name, kind: kindOfName(name), cel, rules: cel ? [] : rules });
  };
  add(
    defaultPolicy,
    defaultRules.map((name) => ({ name, kinds: [] })),
  );
  for (const name of otherNames) add(name, null);
  return [...byName.values()];
}

/** Sorted as people look for them: by name, the kind breaking ties. */
export const byPolicyName = (a: KnownPolicy, b: KnownPolicy): number =>
  a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind);
