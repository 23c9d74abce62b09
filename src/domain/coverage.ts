import {
  exceptionCovers,
  exceptionMatches,
  kindMatches,
  type Coverage,
  type ExceptionSpec,
  type MatchContext,
  type ResourceUnderTest,
} from './exception-match.js';
import { celExceptionCovers, isCelSpec, type CelExceptionSpec, type CelVerdict } from './cel-match.js';
import { evaluateValidatingPolicy } from './evaluate/cel-policy.js';
import type { RuleVerdict } from './evaluate/rule-verdict.js';
import {
  celPolicySelects,
  celCompileFindings,
  celPolicyFindings,
  celPolicyMatch,
  isCelPolicyDoc,
  type CelPolicyDoc,
  type CelPolicyMatch,
  type CelSelection,
  type LentLists,
} from './cel-policy.js';
import { wildcardMatch } from './wildcard.js';
import { podSecurityCoverage } from './pss/covers.js';
import type { PodSecurityRule } from './pss/evaluate.js';

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
  /** A `validate.podSecurity` rule's level, version and exclude: its exceptions are weighed on the pod. */
  podSecurity?: PodSecurityRule;
  /** A namespaced policy (kyverno.io Policy, CEL Namespaced…Policy) applies in its own namespace only. */
  namespace?: string;
  /** A CEL policy: what it evaluates comes from its matchConstraints, matchConditions and autogen. */
  cel?: CelPolicyMatch;
  /** A CEL policy's spec: evaluated when the exceptions only lend it `images`/`allowedValues`. */
  celSpec?: unknown;
}

export interface CoverageItem {
  resource: { apiVersion: string; kind: string; namespace: string; name: string };
  policy: string;
  rule: string;
  covered: Coverage;
  /** The exceptions that cover it (or might: with `unknown`), or only lend the CEL policy their lists. */
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
export function policyRules(policy: KyvernoPolicyDoc | CelPolicyDoc): PolicyRule[] {
  if (isCelPolicyDoc(policy)) return celPolicyRules(policy as CelPolicyDoc);
  return kyvernoPolicyRules(policy as KyvernoPolicyDoc);
}

export interface KyvernoPolicyDoc {
  apiVersion?: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  kind?: string;
  spec?: { rules?: { name?: string; match?: RuleMatch; validate?: { podSecurity?: PodSecurityRule } }[] };
}

/**
 * A CEL policy has no rules: one row per resource it evaluates, named `Kind/name` as exceptions name it.
 * A policy whose match conditions do not compile evaluates nothing (Kyverno does not load it).
 */
function celPolicyRules(policy: CelPolicyDoc): PolicyRule[] {
  if (celCompileFindings(policy).length) return [];
  const namespace = policy.kind?.startsWith('Namespaced') ? policy.metadata?.namespace : undefined;
  return [
    {
      policy: `${policy.kind ?? ''}/${policy.metadata?.name ?? ''}`,
      rule: '',
      kinds: [],
      ...(namespace ? { namespace } : {}),
      cel: celPolicyMatch(policy),
      celSpec: policy.spec,
    },
  ];
}

function kyvernoPolicyRules(policy: KyvernoPolicyDoc): PolicyRule[] {
  const namespace = policy.kind === 'Policy' ? policy.metadata?.namespace : undefined;
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
    const podSecurity = rule.validate?.podSecurity;
    const own: PolicyRule = {
      policy: name,
      rule: rule.name ?? '',
      kinds,
      ...(podSecurity ? { podSecurity } : {}),
      ...(namespace ? { namespace } : {}),
    };
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
      generated.push({ ...own, rule: `autogen-${own.rule}`.slice(0, 63), kinds: controllers });
    if (allowed.includes('CronJob'))
      generated.push({ ...own, rule: `autogen-cronjob-${own.rule}`.slice(0, 63), kinds: ['CronJob'] });
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
    for (const { policyName, ruleNames } of spec.exceptions ?? []) {
      // `namespace/name` names a namespaced Policy: Kyverno applies it in that namespace only.
      const [home, rest] = policyName.split('/', 2);
      const namespace = rest !== undefined && home && !/[*?]/.test(home) ? { namespace: home } : {};
      for (const rule of ruleNames)
        seen.set(`${policyName}\n${rule}`, { policy: policyName, rule, kinds: [], ...namespace });
    }
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
 * What the policy's own selection does to a row: no row for a resource it does not check (unless an
 * exception Kyverno tries first covers it), `unknown` where the selection is.
 */
function celGate(
  cel: CelPolicyMatch,
  { selected, conditions, kinds }: CelSelection,
  covered: Coverage,
): 'skip' | { covered: Coverage; why: string } {
  const via = kinds ? ` (the policy's autogen for ${kinds.join(', ')})` : '';
  if (covered === true && cel.exceptionsFirst) {
    if (selected.covered === 'unknown')
      return { covered: 'unknown', why: `${via}, if the policy selects it: ${selected.why}` };
    return conditions.covered === true
      ? { covered: true, why: via }
      : {
          covered: true,
          why: `${via}; Kyverno applies the exception before the policy's own match conditions (${conditions.why})`,
        };
  }
  if (conditions.covered === false && !(cel.exceptionsFirst && covered === 'unknown')) return 'skip';
  const doubt = [selected, conditions].find((v) => v.covered === 'unknown');
  if (doubt) return { covered: 'unknown', why: `${via}, if the policy evaluates it: ${doubt.why}` };
  return { covered, why: via };
}

/**
 * The lists Kyverno binds as `exceptions` when every exception that may apply surely matches and only
 * lends `images`/`allowedValues`: their union (vpol/mpol/gpol compiler/policy.go append them in turn).
 */
function lentBy(verdicts: readonly CelVerdict[]): LentLists | undefined {
  if (!verdicts.length || !verdicts.every((v) => v.lends)) return undefined;
  return {
    allowedImages: verdicts.flatMap((v) => v.lends?.images ?? []),
    allowedValues: verdicts.flatMap((v) => v.lends?.allowedValues ?? []),
  };
}

/**
 * A CEL policy run with what the partial exceptions lend: not a skip, the policy's own verdict. No row
 * where its match conditions turn false (Kyverno reports nothing), `unknown` where the evaluation needs
 * what is not here.
 */
function withLent(
  policy: string,
  cel: CelPolicyMatch,
  spec: unknown,
  resource: ResourceUnderTest,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
  lent: LentLists,
): 'skip' | { covered: Coverage; why: string } {
  const lists = [
    lent.allowedImages.length ? `images (${lent.allowedImages.join(', ')})` : '',
    lent.allowedValues.length ? `allowedValues (${lent.allowedValues.join(', ')})` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  const lends = `the exceptions only lend the policy ${lists}, no exemption`;
  const { selected, conditions, kinds } = celPolicySelects(cel, resource, namespaceLabels, lent);
  const via = kinds ? ` (the policy's autogen for ${kinds.join(', ')})` : '';
  if (conditions.covered === false) return 'skip';
  const doubt = [selected, conditions].find((v) => v.covered === 'unknown');
  if (doubt) return { covered: 'unknown', why: `${lends}${via}; if the policy evaluates it: ${doubt.why}` };
  const kind = policy.split('/')[0]?.replace(/^Namespaced/, '') ?? '';
  if (kind !== 'ValidatingPolicy')
    return { covered: false, why: `${lends}${via}; with them its match conditions hold: the policy applies` };
  if (!resource.object)
    return { covered: 'unknown', why: `${lends}; the policy's validations need the object` };
  const evaluated = evaluateValidatingPolicy(policy, spec, resource.object, undefined, lent);
  // A folded expression's line breaks would break the row's one line.
  const outcome = { ...evaluated, message: evaluated.message.replace(/\s+/g, ' ').trim() };
  switch (outcome.status) {
    case 'skip':
      return 'skip';
    case 'pass':
      return { covered: false, why: `${lends}${via}; with them the policy passes (${outcome.message})` };
    case 'fail':
      return { covered: false, why: `${lends}${via}; with them the policy still fails: ${outcome.message}` };
    case 'error':
      return { covered: false, why: `${lends}${via}; with them the policy errs: ${outcome.message}` };
    default:
      return {
        covered: 'unknown',
        why: `${lends}${via}; the policy's verdict is not known: ${outcome.message}`,
      };
  }
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
    const namespace = resource.kind === 'Namespace' ? resource.name : (resource.namespace ?? '');
    const namespaceLabels = resource.namespace ? context.namespaceLabels?.get(resource.namespace) : undefined;
    const matchContext: MatchContext = {
      ...(context.user ? { user: context.user } : {}),
      nowMs: context.nowMs,
      namespaceLabels,
    };
    rules.forEach(({ policy, rule, kinds, namespace: home, cel, celSpec, podSecurity }, i) => {
      // Kyverno applies a namespaced policy to objects of its namespace only; a cluster-scoped one has none.
      if (home !== undefined && resource.namespace !== home) return;
      const selection = cel ? celPolicySelects(cel, resource, namespaceLabels) : undefined;
      if (selection?.selected.covered === false) return;
      // Without the policy, a Namespace object only lends its labels to the resources in it.
      if (!cel && resource.kind === 'Namespace' && !kinds.length) return;
      if (kinds.length && !kinds.some((k) => kindMatches(k, resource))) return;
      const index: RuleIndex = indexes[i] ?? {
        byNamespace: new Map<string, NamedException[]>(),
        anywhere: [],
      };
      const candidates = [...(index.byNamespace.get(namespace) ?? []), ...index.anywhere];
      if (podSecurity) {
        const applying = candidates.flatMap((e) => {
          if (isCelSpec(e.spec)) return [];
          const v = exceptionMatches(e.spec, policy, rule, resource, matchContext);
          if (v.covered === false) return [];
          const name = e.namespace ? `${e.namespace}/${e.name}` : e.name;
          return [{ name, podSecurity: e.spec.podSecurity, covered: v.covered, why: v.why }];
        });
        const { result, ...judged } = podSecurityCoverage(resource.object, podSecurity, applying);
        // With no exception applying, a pass is worth saying; a failure is told by why none applies.
        if (applying.length || result === 'pass') {
          items.push({ resource: identity(resource), policy, rule, ...judged });
          return;
        }
      }
      const verdicts = candidates.map((e) => ({
        e,
        v: isCelSpec(e.spec)
          ? celExceptionCovers(e.spec, policy, resource, context.nowMs)
          : exceptionCovers(e.spec, policy, rule, resource, matchContext),
      }));
      const covering = verdicts.filter(({ v }) => v.covered === true);
      const maybe = verdicts.filter(({ v }) => v.covered === 'unknown');
      const lent = cel && !covering.length ? lentBy(maybe.map(({ v }) => v)) : undefined;
      if (cel && lent) {
        const judged = withLent(policy, cel, celSpec, resource, namespaceLabels, lent);
        if (judged === 'skip') return;
        items.push({
          resource: identity(resource),
          policy,
          rule,
          ...judged,
          exceptions: maybe.map(({ e }) => (e.namespace ? `${e.namespace}/${e.name}` : e.name)),
        });
        return;
      }
      const chosen = covering.length ? covering : maybe;
      let covered: Coverage = covering.length ? true : maybe.length ? 'unknown' : false;
      let why = chosen.length
        ? (chosen[0]?.v.why ?? '')
        : verdicts.length
          ? [...new Set(verdicts.map(({ v }) => v.why))].join('; ')
          : cel
            ? `no exception refers to ${policy}`
            : `no exception names rule ${rule} of ${policy} for namespace ${namespace || '(none)'}`;
      if (cel && selection) {
        const gate = celGate(cel, selection, covered);
        if (gate === 'skip') return;
        if (gate.covered === 'unknown' && covered === true) covered = 'unknown';
        if (gate.why) why = `${why}${gate.why}`;
      }
      items.push({
        resource: identity(resource),
        policy,
        rule,
        covered,
        exceptions: chosen.map(({ e }) => (e.namespace ? `${e.namespace}/${e.name}` : e.name)),
        why,
      });
    });
  }
  return items;
}

const identity = (resource: ResourceUnderTest): CoverageItem['resource'] => ({
  apiVersion: resource.apiVersion,
  kind: resource.kind,
  namespace: resource.namespace ?? '',
  name: resource.name,
});

export type Doc = Record<string, unknown> & { metadata?: Record<string, unknown> };
type PolicyDoc = Parameters<typeof policyRules>[0];

/** A policy as exceptions name it: `name`, `namespace/name` (Policy) or `Kind/name` (CEL). */
const policyName = (policy: PolicyDoc): string =>
  isCelPolicyDoc(policy)
    ? `${policy.kind ?? ''}/${policy.metadata?.name ?? ''}`
    : policy.kind === 'Policy' && policy.metadata?.namespace
      ? `${policy.metadata.namespace}/${policy.metadata.name ?? ''}`
      : (policy.metadata?.name ?? '');

/**
 * What limits the answer when the policies are given: a CEL policy whose match conditions do not compile
 * (Kyverno loads none of it), and an exception naming a policy that is not among them (no rows for it).
 */
export function coverageNotes(
  policies: readonly PolicyDoc[],
  exceptions: readonly NamedException[],
): string[] {
  const notes = policies.filter(isCelPolicyDoc).flatMap((p) => celPolicyFindings(p as CelPolicyDoc));
  const given = new Set(policies.map(policyName));
  for (const e of exceptions) {
    const named = isCelSpec(e.spec)
      ? (e.spec.policyRefs ?? []).map((r) => `${r.kind ?? ''}/${r.name ?? ''}`)
      : (e.spec.exceptions ?? []).map((x) => x.policyName);
    for (const name of new Set(named)) {
      const found = given.has(name) || (/[*?]/.test(name) && [...given].some((g) => wildcardMatch(name, g)));
      if (!found)
        notes.push(
          `exception ${e.namespace ? `${e.namespace}/` : ''}${e.name} names policy ${name}, which is not among the policies given: nothing is checked against it`,
        );
    }
  }
  return notes;
}

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
 * Kubernetes objects as read from YAML, sorted for `coverage`: PolicyExceptions (both APIs), policies (kyverno.io and CEL),
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
  const policies = docs.filter(
    (d) => d['kind'] === 'ClusterPolicy' || d['kind'] === 'Policy' || isCelPolicyDoc(d),
  ) as PolicyDoc[];
  const resources = docs.filter((d) => !isPolicyException(d)).map(resourceUnderTest);
  const namespaceLabels = new Map(
    docs
      .filter((d) => d['kind'] === 'Namespace')
      .map((d) => [text(d.metadata?.['name']), stringMap(d.metadata?.['labels'])]),
  );
  return { exceptions, resources, policies, namespaceLabels };
}
