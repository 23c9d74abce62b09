import { applyOperator } from './kyverno-operators.js';
import { substitute, UNKNOWN, type VariableScope } from './kyverno-variables.js';
export type { VariableScope } from './kyverno-variables.js';
import { wildcardMatch } from './wildcard.js';

/**
 * Does an exception cover a resource, as Kyverno's engine decides (pkg/utils/match, read at v1.19)?
 * `unknown` when the answer needs what is not given here (a condition, the requesting user, the
 * namespace's labels): never a guess.
 */
export type Coverage = true | false | 'unknown';

export interface Verdict {
  covered: Coverage;
  why: string;
}

/** A resource as the engine sees it: its group/version/kind (and subresource), name and metadata. */
export interface ResourceUnderTest {
  apiVersion: string;
  kind: string;
  subresource?: string | undefined;
  name: string;
  generateName?: string | undefined;
  namespace?: string | undefined;
  labels?: Readonly<Record<string, string>> | undefined;
  annotations?: Readonly<Record<string, string>> | undefined;
  /** The whole object, for conditions on `request.object`. */
  object?: Readonly<Record<string, unknown>> | undefined;
}

/** What the engine also looks at: the namespace's labels (for `namespaceSelector`), the request's user. */
export interface MatchContext {
  /** The instant the conditions are judged at (the time functions' `time_now_utc()`). */
  nowMs?: number | undefined;
  namespaceLabels?: Readonly<Record<string, string>> | undefined;
  user?:
    | {
        username: string;
        groups: readonly string[];
        roles: readonly string[];
        clusterRoles: readonly string[];
      }
    | undefined;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface ResourceFilter {
  resources?: {
    kinds?: string[];
    name?: string;
    names?: string[];
    namespaces?: string[];
    annotations?: Record<string, string>;
    selector?: LabelSelector;
    namespaceSelector?: LabelSelector;
    operations?: string[];
  };
  subjects?: { kind: string; name: string; namespace?: string }[];
  roles?: string[];
  clusterRoles?: string[];
}

export interface ExceptionSpec {
  exceptions: { policyName: string; ruleNames: string[] }[];
  match?: { any?: ResourceFilter[]; all?: ResourceFilter[] };
  conditions?: { any?: unknown[]; all?: unknown[] };
  podSecurity?: unknown[];
}

const yes = (why: string): Verdict => ({ covered: true, why });
const no = (why: string): Verdict => ({ covered: false, why });
const unknown = (why: string): Verdict => ({ covered: 'unknown', why });

/** A version segment of a kind selector: `v1`, `v2beta1`, or `*`. */
const VERSION = /^(v\d+((alpha|beta)\d+)?|\*)$/;

interface KindSelector {
  group: string;
  version: string;
  kind: string;
  sub: string;
}

/** Parsed selectors: a handful of distinct strings, parsed once per resource and rule otherwise. */
const parsedKinds = new Map<string, KindSelector>();

/** `group/version/Kind/subresource` in any of its shortened forms, as Kyverno parses it. */
export function parseKindSelector(input: string): KindSelector {
  let parsed = parsedKinds.get(input);
  if (parsed === undefined) {
    if (parsedKinds.size >= 10_000) parsedKinds.clear();
    parsed = parseKindSelectorOnce(input);
    parsedKinds.set(input, parsed);
  }
  return parsed;
}

function parseKindSelectorOnce(input: string): KindSelector {
  const slashed = input.split('/');
  const last = slashed.pop() ?? '';
  const parts = [...slashed, ...last.split('.')];
  const [a = '', b = '', c = '', d = ''] = parts;
  switch (parts.length) {
    case 1:
      return { group: '*', version: '*', kind: a, sub: '' };
    case 2:
      if (a === '*' && b === '*') return { group: '*', version: '*', kind: '*', sub: '*' };
      if (a === '*' && b.toLowerCase() === b) return { group: '*', version: '*', kind: a, sub: b };
      if (VERSION.test(a)) return { group: '*', version: a, kind: b, sub: '' };
      return { group: '*', version: '*', kind: a, sub: b };
    case 3:
      if (VERSION.test(a)) return { group: '*', version: a, kind: b, sub: c };
      return { group: a, version: b, kind: c, sub: '' };
    case 4:
      return { group: a, version: b, kind: c, sub: d };
    default:
      return { group: '', version: '', kind: '', sub: '' };
  }
}

/** A kind selector without a subresource matches the kind and all its subresources (CheckKind). */
export function kindMatches(
  selector: string,
  resource: Pick<ResourceUnderTest, 'apiVersion' | 'kind' | 'subresource'>,
): boolean {
  const { group, version, kind, sub } = parseKindSelector(selector);
  const [resourceGroup, resourceVersion] = resource.apiVersion.includes('/')
    ? (resource.apiVersion.split('/') as [string, string])
    : ['', resource.apiVersion];
  return (
    wildcardMatch(group, resourceGroup) &&
    wildcardMatch(version, resourceVersion) &&
    wildcardMatch(kind, resource.kind) &&
    (sub === '' || wildcardMatch(sub, resource.subresource ?? ''))
  );
}

/**
 * A label selector as Kubernetes evaluates it, after Kyverno's one addition: `matchLabels` keys and
 * values may be wildcards, matched against the labels present.
 */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const hit = Object.entries(labels).some(([k, v]) => wildcardMatch(key, k) && wildcardMatch(value, v));
    if (!hit) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const value = labels[key];
    const ok =
      operator === 'In'
        ? has && values.includes(value ?? '')
        : operator === 'NotIn'
          ? !has || !values.includes(value ?? '')
          : operator === 'Exists'
            ? has
            : operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/** Whether a filter sets nothing at all: Kyverno's engine then matches nothing with it. */
export function isEmptyFilter(filter: ResourceFilter): boolean {
  const r = filter.resources ?? {};
  return (
    !r.kinds?.length &&
    !r.name &&
    !r.names?.length &&
    !r.namespaces?.length &&
    !Object.keys(r.annotations ?? {}).length &&
    r.selector === undefined &&
    r.namespaceSelector === undefined &&
    !r.operations?.length &&
    !filter.subjects?.length &&
    !filter.roles?.length &&
    !filter.clusterRoles?.length
  );
}

/** How far one filter reaches on each axis: what lint reports, read off the fields the matcher reads. */
export interface FilterReach {
  empty: boolean;
  /** listed: `namespaces` without wildcards; wildcard: some listed namespace is a pattern; labels: only a namespaceSelector. */
  namespaces: 'listed' | 'wildcard' | 'labels' | 'every';
  /** listed: `name` or `names`; labels: only a label selector or annotations. */
  names: 'listed' | 'labels' | 'every';
  /** every: no kinds, or a kind selector whose Kind is `*`. */
  kinds: 'listed' | 'every';
  /** Kind selectors Kyverno cannot parse (more than four parts, or no Kind). */
  invalidKinds: string[];
  /** subjects, roles or clusterRoles are set: the answer depends on the requesting user. */
  byUser: boolean;
}

export function filterReach(filter: ResourceFilter): FilterReach {
  const r = filter.resources ?? {};
  const kinds = r.kinds ?? [];
  const parsed = kinds.map((k) => ({ k, ...parseKindSelector(k) }));
  return {
    empty: isEmptyFilter(filter),
    namespaces: r.namespaces?.length
      ? r.namespaces.some((n) => /[*?]/.test(n))
        ? 'wildcard'
        : 'listed'
      : r.namespaceSelector
        ? 'labels'
        : 'every',
    names:
      r.name || r.names?.length
        ? 'listed'
        : r.selector || Object.keys(r.annotations ?? {}).length
          ? 'labels'
          : 'every',
    kinds: !kinds.length || parsed.some((p) => p.kind === '*') ? 'every' : 'listed',
    invalidKinds: parsed.filter((p) => p.kind === '').map((p) => p.k),
    byUser: Boolean(filter.subjects?.length || filter.roles?.length || filter.clusterRoles?.length),
  };
}

/** One filter: every field it sets must match (checkResourceFilter). */
export function filterMatches(
  filter: ResourceFilter,
  resource: ResourceUnderTest,
  context: MatchContext = {},
): Verdict {
  if (isEmptyFilter(filter)) return no('an empty filter matches nothing');
  const user = userMatches(filter, context);
  if (user.covered === false) return user;
  const r = filter.resources ?? {};
  if (r.kinds?.length && !r.kinds.some((k) => kindMatches(k, resource)))
    return no(`kind ${resource.kind} is not among ${r.kinds.join(', ')}`);
  const name = resource.name || resource.generateName || '';
  if (r.name && !wildcardMatch(r.name, name)) return no(`name ${name} does not match ${r.name}`);
  if (r.names?.length && !r.names.some((n) => wildcardMatch(n, name)))
    return no(`name ${name} matches none of ${r.names.join(', ')}`);
  const namespace = resource.kind === 'Namespace' ? resource.name : (resource.namespace ?? '');
  if (r.namespaces?.length && !r.namespaces.some((n) => wildcardMatch(n, namespace)))
    return no(`namespace ${namespace || '(none)'} matches none of ${r.namespaces.join(', ')}`);
  const annotations = resource.annotations ?? {};
  for (const [key, value] of Object.entries(r.annotations ?? {}))
    if (!Object.entries(annotations).some(([k, v]) => wildcardMatch(key, k) && wildcardMatch(value, v)))
      return no(`no annotation matches ${key}: ${value}`);
  if (r.selector && !selectorMatches(r.selector, resource.labels ?? {}))
    return no('its labels do not match the selector');
  if (r.namespaceSelector && resource.kind !== 'Namespace' && resource.kind !== '') {
    if (!context.namespaceLabels)
      return unknown(`the labels of namespace ${namespace || '(none)'} are not known`);
    if (!selectorMatches(r.namespaceSelector, context.namespaceLabels))
      return no(`namespace ${namespace}'s labels do not match the namespace selector`);
  }
  return user.covered === 'unknown' ? user : yes('every field of the filter matches');
}

/** subjects, roles, clusterRoles: judged only with the request's user; otherwise unknown. */
function userMatches(filter: ResourceFilter, context: MatchContext): Verdict {
  const needs = filter.subjects?.length || filter.roles?.length || filter.clusterRoles?.length;
  if (!needs) return yes('no user filter');
  const user = context.user;
  if (!user) return unknown('it depends on who makes the request (subjects, roles)');
  if (filter.roles?.length && !filter.roles.some((r) => user.roles.includes(r)))
    return no('the user holds none of the roles');
  if (filter.clusterRoles?.length && !filter.clusterRoles.some((r) => user.clusterRoles.includes(r)))
    return no('the user holds none of the cluster roles');
  if (filter.subjects?.length) {
    const match = filter.subjects.some((s) =>
      s.kind === 'User'
        ? s.name === user.username
        : s.kind === 'Group'
          ? user.groups.includes(s.name)
          : s.kind === 'ServiceAccount' &&
            user.username === `system:serviceaccount:${s.namespace ?? ''}:${s.name}`,
    );
    if (!match) return no(`the user ${user.username} is none of the subjects`);
  }
  return yes('the user matches');
}

/** `any`: one filter; `all`: every filter. A match with neither matches nothing. */
export function matchCovers(
  match: ExceptionSpec['match'],
  resource: ResourceUnderTest,
  context: MatchContext = {},
): Verdict {
  if (match?.any?.length) {
    const verdicts = match.any.map((f) => filterMatches(f, resource, context));
    return (
      verdicts.find((v) => v.covered === true) ??
      verdicts.find((v) => v.covered === 'unknown') ??
      no(verdicts.map((v) => v.why).join('; '))
    );
  }
  if (match?.all?.length) {
    const verdicts = match.all.map((f) => filterMatches(f, resource, context));
    return (
      verdicts.find((v) => v.covered === false) ??
      verdicts.find((v) => v.covered === 'unknown') ??
      yes('every filter matches')
    );
  }
  return no('an empty match matches nothing');
}

/**
 * Does the exception let this resource through this policy's rule? Its `exceptions` must name the policy
 * exactly and the rule by wildcard, its match must cover the resource, and its conditions must hold.
 */
export function exceptionCovers(
  spec: ExceptionSpec,
  policy: string,
  rule: string,
  resource: ResourceUnderTest,
  context: MatchContext = {},
): Verdict {
  const held = exceptionMatches(spec, policy, rule, resource, context);
  if (held.covered !== true || !spec.podSecurity?.length) return held;
  return unknown(
    'it matches, but podSecurity exempts only the listed controls: the rule still fails on any other control',
  );
}

/**
 * Whether the exception applies to the resource for this rule (names it, matches, conditions hold),
 * leaving aside what its `podSecurity` entries exempt: that takes the rule's level and the pod.
 */
export function exceptionMatches(
  spec: ExceptionSpec,
  policy: string,
  rule: string,
  resource: ResourceUnderTest,
  context: MatchContext = {},
): Verdict {
  const forRule = spec.exceptions.filter((e) => e.ruleNames.some((r) => wildcardMatch(r, rule)));
  const listed = forRule.some((e) => e.policyName === policy);
  // Kyverno's newest API reads policyName as a pattern; the releases before it index exact names.
  const byPattern =
    !listed && forRule.some((e) => /[*?]/.test(e.policyName) && wildcardMatch(e.policyName, policy));
  if (!listed && !byPattern) return no(`it does not name rule ${rule} of policy ${policy}`);
  const matched = matchCovers(spec.match, resource, context);
  if (matched.covered !== true) return matched;
  const held =
    spec.conditions?.any?.length || spec.conditions?.all?.length
      ? conditionsHold(spec.conditions, {
          object: resource.object,
          namespace: resource.namespace,
          nowMs: context.nowMs,
        })
      : matched;
  if (held.covered === true && byPattern)
    return unknown(
      `its policyName pattern matches ${policy}: only Kyverno releases that read policyName as a pattern apply it`,
    );
  return held;
}

interface Condition {
  key?: unknown;
  operator?: unknown;
  value?: unknown;
}

/**
 * One condition as Kyverno's engine evaluates it: key and value substituted (JMESPath and Kyverno's
 * functions), then the typed operator. An Error is an evaluation failure: Kyverno skips the exception.
 */
function conditionHolds(condition: Condition, scope: VariableScope): Coverage | Error {
  const key = substitute(condition.key, scope);
  if (key instanceof Error) return key;
  const value = substitute(condition.value, scope);
  if (value instanceof Error) return value;
  if (key === UNKNOWN || value === UNKNOWN) return 'unknown';
  return applyOperator(String(condition.operator), key, value);
}

/** `all` must each hold, then one of `any`; an evaluation error skips the exception, as Kyverno does. */
export function conditionsHold(
  conditions: NonNullable<ExceptionSpec['conditions']>,
  scope: VariableScope,
): Verdict {
  const judge = (list: unknown[] | undefined) =>
    (list ?? []).map((c) => conditionHolds(c as Condition, scope));
  const all = judge(conditions.all);
  const any = judge(conditions.any);
  const error = [...all, ...any].find((r): r is Error => r instanceof Error);
  if (error) return no(`a condition fails to evaluate (${error.message}): Kyverno skips the exception`);
  if (all.includes(false))
    return no('a condition does not hold: it has expired, or never matches as written');
  if (any.length && !any.includes(true) && !any.includes('unknown'))
    return no('none of its any-conditions holds');
  if (all.includes('unknown') || (any.length && !any.includes(true)))
    return unknown('it matches; a condition needs what is only known at admission');
  return yes('it matches and its conditions hold');
}
