import {
  exceptionCovers,
  kindMatches,
  type Coverage,
  type ExceptionSpec,
  type MatchContext,
  type ResourceUnderTest,
} from './exception-match.js';
import { celExceptionCovers, isCelSpec, type CelExceptionSpec } from './cel-match.js';
import type { RuleVerdict } from './evaluate/rule-verdict.js';
import { wildcardMatch } from './wildcard.js';

/** A PolicyException by where it lives, as Kyverno names it in reports (`namespace/name`). */
export interface NamedException {
  namespace: string;
  name: string;
  /** A kyverno.io spec (match, conditions) or a CEL one (policyRefs, matchConditions). */
  spec: ExceptionSpec | CelExceptionSpec;
}

/** A rule of a policy and the kinds it matches (an autogen rule's are the controllers'). */
export interface PolicyRule {
  policy: string;
  rule: string;
  /** Empty: the rule's kinds are not known (no policy given), so every resource is checked. */
  kinds: string[];
}

export interface CoverageItem {
  resource: { apiVersion: string; kind: string; namespace: string; name: string };
  policy: string;
  rule: string;
  covered: Coverage;
  /** The exceptions that cover it (or might: with `unknown`). */
  exceptions: string[];
  why: string;
  /** Covered (or maybe) and the policy is known: what the rule says with no exception in play. */
  withoutException?: RuleVerdict;
}

const CONTROLLERS = ['DaemonSet', 'Deployment', 'Job', 'StatefulSet', 'ReplicaSet', 'ReplicationController'];
const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';

interface RuleMatch {
  resources?: {
    kinds?: string[];
    name?: string;
    names?: string[];
    selector?: unknown;
    annotations?: unknown;
  };
  any?: RuleMatch[];
  all?: RuleMatch[];
}

/** The filters of a rule's match, old style (`match.resources`) or `any`/`all`. */
const filtersOf = (match: RuleMatch | undefined): RuleMatch[] =>
  match ? [...(match.resources ? [match] : []), ...(match.any ?? []), ...(match.all ?? [])] : [];

/**
 * A policy's rules, with the autogen rules Kyverno adds for Pod controllers exactly when it adds them: for
 * a rule that matches Pods only, not by names, selectors or annotations, and for the controllers the
 * `pod-policies.kyverno.io/autogen-controllers` annotation allows (`none`: no autogen rules).
 */
export function policyRules(policy: {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  kind?: string;
  spec?: { rules?: { name?: string; match?: RuleMatch }[] };
}): PolicyRule[] {
  const name =
    policy.kind === 'Policy' && policy.metadata?.namespace
      ? `${policy.metadata.namespace}/${policy.metadata.name ?? ''}`
      : (policy.metadata?.name ?? '');
  const annotation = policy.metadata?.annotations?.[AUTOGEN_ANNOTATION];
  const allowed =
    annotation === undefined
      ? [...CONTROLLERS, 'CronJob']
      : annotation === 'none'
        ? []
        : annotation.split(',').map((c) => c.trim());
  return (policy.spec?.rules ?? []).flatMap((rule) => {
    const filters = filtersOf(rule.match);
    const kinds = [...new Set(filters.flatMap((f) => f.resources?.kinds ?? []))];
    const own: PolicyRule = { policy: name, rule: rule.name ?? '', kinds };
    const podOnly =
      kinds.length > 0 &&
      kinds.every((k) => kindMatches(k, { apiVersion: 'v1', kind: 'Pod' }) && !k.includes('*'));
    const narrowed = filters.some(
      (f) =>
        f.resources?.name || f.resources?.names?.length || f.resources?.selector || f.resources?.annotations,
    );
    if (!podOnly || narrowed) return [own];
    const controllers = CONTROLLERS.filter((c) => allowed.includes(c));
    const generated: PolicyRule[] = [];
    if (controllers.length)
      generated.push({ policy: name, rule: `autogen-${own.rule}`.slice(0, 63), kinds: controllers });
    if (allowed.includes('CronJob'))
      generated.push({ policy: name, rule: `autogen-cronjob-${own.rule}`.slice(0, 63), kinds: ['CronJob'] });
    return [own, ...generated];
  });
}

/** Without policies: the rules the exceptions name, each checked against every resource. */
export function rulesNamedBy(exceptions: readonly NamedException[]): PolicyRule[] {
  const seen = new Map<string, PolicyRule>();
  for (const { spec } of exceptions) {
    // A CEL policy has no rules: the exception names the whole policy, as Kind/name.
    if (isCelSpec(spec)) {
      for (const { kind = '', name = '' } of spec.policyRefs ?? [])
        seen.set(`${kind}/${name}\n`, { policy: `${kind}/${name}`, rule: '', kinds: [] });
      continue;
    }
    for (const { policyName, ruleNames } of spec.exceptions ?? [])
      for (const rule of ruleNames)
        seen.set(`${policyName}\n${rule}`, { policy: policyName, rule, kinds: [] });
  }
  return [...seen.values()];
}

/** The exceptions that may cover a rule's resources, found by namespace where their filters name one. */
interface RuleIndex {
  byNamespace: Map<string, NamedException[]>;
  anywhere: NamedException[];
}

const literal = (pattern: string): boolean => !/[*?]/.test(pattern);

/**
 * Only exceptions naming the policy and rule are candidates, and one whose every `any` filter lists
 * literal namespaces can only cover resources there: a resource is checked against a handful, not all.
 */
function indexFor(exceptions: readonly NamedException[], policy: string, rule: string): RuleIndex {
  const index: RuleIndex = { byNamespace: new Map(), anywhere: [] };
  for (const e of exceptions) {
    if (isCelSpec(e.spec)) {
      if (e.spec.policyRefs?.some((r) => `${r.kind ?? ''}/${r.name ?? ''}` === policy))
        index.anywhere.push(e);
      continue;
    }
    const names = (x: { policyName: string }) =>
      x.policyName === policy || (!literal(x.policyName) && wildcardMatch(x.policyName, policy));
    if (!e.spec.exceptions?.some((x) => names(x) && x.ruleNames.some((r) => wildcardMatch(r, rule))))
      continue;
    const filters = e.spec.match?.any ?? [];
    const namespaces = filters.map((f) => f.resources?.namespaces ?? []);
    const narrow =
      filters.length > 0 &&
      !e.spec.match?.all?.length &&
      namespaces.every((n) => n.length > 0 && n.every(literal));
    if (!narrow) {
      index.anywhere.push(e);
      continue;
    }
    for (const ns of new Set(namespaces.flat()))
      index.byNamespace.set(ns, [...(index.byNamespace.get(ns) ?? []), e]);
  }
  return index;
}

/**
 * The blast radius: for each resource and each rule that applies to it, whether an exception lets it
 * through, which, and why. Namespace labels come from the Namespace objects among the resources.
 */
export function coverage(
  exceptions: readonly NamedException[],
  resources: readonly ResourceUnderTest[],
  rules: readonly PolicyRule[],
  context: Omit<MatchContext, 'namespaceLabels'> & {
    namespaceLabels?: ReadonlyMap<string, Record<string, string>>;
  } = {},
): CoverageItem[] {
  const items: CoverageItem[] = [];
  const indexes = rules.map((r) => indexFor(exceptions, r.policy, r.rule));
  for (const resource of resources) {
    if (resource.kind === 'Namespace' && !rules.some((r) => r.kinds.length)) continue;
    const namespace = resource.kind === 'Namespace' ? resource.name : (resource.namespace ?? '');
    const matchContext: MatchContext = {
      ...(context.user ? { user: context.user } : {}),
      nowMs: context.nowMs,
      namespaceLabels: resource.namespace ? context.namespaceLabels?.get(resource.namespace) : undefined,
    };
    rules.forEach(({ policy, rule, kinds }, i) => {
      if (kinds.length && !kinds.some((k) => kindMatches(k, resource))) return;
      const index: RuleIndex = indexes[i] ?? {
        byNamespace: new Map<string, NamedException[]>(),
        anywhere: [],
      };
      const candidates = [...(index.byNamespace.get(namespace) ?? []), ...index.anywhere];
      const verdicts = candidates.map((e) => ({
        e,
        v: isCelSpec(e.spec)
          ? celExceptionCovers(e.spec, policy, resource, context.nowMs)
          : exceptionCovers(e.spec, policy, rule, resource, matchContext),
      }));
      const covering = verdicts.filter(({ v }) => v.covered === true);
      const maybe = verdicts.filter(({ v }) => v.covered === 'unknown');
      const chosen = covering.length ? covering : maybe;
      items.push({
        resource: {
          apiVersion: resource.apiVersion,
          kind: resource.kind,
          namespace: resource.namespace ?? '',
          name: resource.name,
        },
        policy,
        rule,
        covered: covering.length ? true : maybe.length ? 'unknown' : false,
        exceptions: chosen.map(({ e }) => (e.namespace ? `${e.namespace}/${e.name}` : e.name)),
        why: chosen.length
          ? (chosen[0]?.v.why ?? '')
          : verdicts.length
            ? [...new Set(verdicts.map(({ v }) => v.why))].join('; ')
            : `no exception names rule ${rule} of ${policy} for namespace ${namespace || '(none)'}`,
      });
    });
  }
  return items;
}

export type Doc = Record<string, unknown> & { metadata?: Record<string, unknown> };
type PolicyDoc = Parameters<typeof policyRules>[0];

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const stringMap = (v: unknown): Record<string, string> =>
  typeof v === 'object' && v !== null
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]))
    : {};
const isPolicyException = (d: Doc): boolean =>
  d['kind'] === 'PolicyException' && /^(policies\.)?kyverno\.io\//.test(String(d['apiVersion']));

/** A Kubernetes object as the engine matches it: identity, labels, annotations, and the whole object. */
export function resourceUnderTest(d: Doc): ResourceUnderTest {
  return {
    apiVersion: text(d['apiVersion']),
    kind: text(d['kind']),
    name: text(d.metadata?.['name']),
    generateName: text(d.metadata?.['generateName']) || undefined,
    namespace: text(d.metadata?.['namespace']) || undefined,
    labels: stringMap(d.metadata?.['labels']),
    annotations: stringMap(d.metadata?.['annotations']),
    object: d,
  };
}

/**
 * Kubernetes objects as read from YAML, sorted for `coverage`: kyverno.io PolicyExceptions, policies,
 * every other object as a resource, and the labels of the Namespace objects among them.
 */
export function coverageInputs(docs: readonly Doc[]): {
  exceptions: NamedException[];
  resources: ResourceUnderTest[];
  policies: PolicyDoc[];
  namespaceLabels: Map<string, Record<string, string>>;
} {
  const exceptions = docs.filter(isPolicyException).map((d) => ({
    namespace: text(d.metadata?.['namespace']),
    name: text(d.metadata?.['name']),
    spec: (d['spec'] ?? { exceptions: [] }) as ExceptionSpec,
  }));
  const policies = docs.filter((d) => d['kind'] === 'ClusterPolicy' || d['kind'] === 'Policy') as PolicyDoc[];
  const resources = docs.filter((d) => !isPolicyException(d)).map(resourceUnderTest);
  const namespaceLabels = new Map(
    docs
      .filter((d) => d['kind'] === 'Namespace')
      .map((d) => [text(d.metadata?.['name']), stringMap(d.metadata?.['labels'])]),
  );
  return { exceptions, resources, policies, namespaceLabels };
}
