import { coverage, resourceUnderTest, type NamedException } from './coverage.js';
import { WaiverError } from './errors.js';
import { isLabel, NAMESPACE_NAME_RULE } from './namespace-name.js';
import type { Coverage } from './exception-match.js';
import {
  detailedReportResults,
  type DetailedReportResult,
  type ReportedResource,
} from './report-evidence.js';
import { toRfc3339 } from './time.js';

/** The report APIs Kyverno writes: the wg-policy one, and OpenReports (Kyverno 1.14+, when configured). */
export const REPORT_GROUPS = ['wgpolicyk8s.io', 'openreports.io'] as const;

/** The results that ask for an exception: the resource fails the rule, or the rule could not judge it. */
const FAILING = ['fail', 'error'] as const;
export type FailingResult = (typeof FAILING)[number];

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The `fail` and `error` results of one report. A report of another API group is refused by name: its
 * results may mean something else, and an exception must not be drafted from a guess.
 */
export function failingResults(report: unknown): DetailedReportResult[] {
  const r = obj(report);
  const apiVersion = text(r['apiVersion']);
  const group = apiVersion.split('/')[0] ?? '';
  if (!(REPORT_GROUPS as readonly string[]).includes(group)) {
    const meta = obj(r['metadata']);
    const name = [text(meta['namespace']), text(meta['name'])].filter(Boolean).join('/');
    throw new WaiverError(
      'usage',
      `report ${text(r['kind']) || '(no kind)'} ${name || '(no name)'} has apiVersion "${apiVersion}": not a policy report API group (${REPORT_GROUPS.join(', ')})`,
      'apiVersion',
    );
  }
  return detailedReportResults(report).filter((x) => (FAILING as readonly string[]).includes(x.result));
}

export interface OwnerLink {
  kind: string;
  name: string;
}

/**
 * Who makes the resource, followed through controller ownerReferences to the top (Pod → ReplicaSet →
 * Deployment, Pod → Job → CronJob). `chain` starts at the resource's direct owner.
 */
export interface ResolvedOwner {
  /** The top-most controller found. */
  kind: string;
  name: string;
  chain: OwnerLink[];
  /** The `pod-template-hash` label of a Deployment's pod: its ReplicaSet's name is `<deployment>-<hash>`. */
  podTemplateHash: string | null;
  /** The top-most owner is in the cluster (false: the chain stops at an owner that is gone). */
  complete: boolean;
}

const keyOf = (kind: string, namespace: string, name: string) => `${kind}\n${namespace}\n${name}`;

/** Objects by kind, namespace and name, for following ownerReferences. */
export function objectIndex(objects: readonly Obj[]): Map<string, Obj> {
  return new Map(
    objects.map((o) => {
      const meta = obj(o['metadata']);
      return [keyOf(text(o['kind']), text(meta['namespace']), text(meta['name'])), o];
    }),
  );
}

const controllerOf = (o: Obj): OwnerLink | undefined => {
  const refs = obj(o['metadata'])['ownerReferences'];
  if (!Array.isArray(refs)) return undefined;
  const ref =
    refs.map(obj).find((x) => x['controller'] === true) ?? (refs.length === 1 ? obj(refs[0]) : undefined);
  return ref && text(ref['kind']) && text(ref['name'])
    ? { kind: text(ref['kind']), name: text(ref['name']) }
    : undefined;
};

/**
 * The owner of a reported resource, or null when it has none (a bare pod) or is not in the cluster. An
 * owner the objects lack ends the chain there: it is named, not guessed past.
 */
export function resolveOwner(
  resource: ReportedResource,
  index: ReadonlyMap<string, Obj>,
): ResolvedOwner | null {
  const self = index.get(keyOf(resource.kind, resource.namespace, resource.name));
  if (!self) return null;
  const chain: OwnerLink[] = [];
  let current: Obj | undefined = self;
  while (current && chain.length < 5) {
    const next = controllerOf(current);
    if (!next) break;
    chain.push(next);
    current = index.get(keyOf(next.kind, resource.namespace, next.name));
  }
  const complete = current !== undefined;
  const top = chain[chain.length - 1];
  if (!top) return null;
  const hash = text(obj(obj(self['metadata'])['labels'])['pod-template-hash']);
  return { kind: top.kind, name: top.name, chain, podTemplateHash: hash || null, complete };
}

export interface ViolationRule {
  rule: string;
  result: FailingResult;
  message: string;
  seenAt: string | null;
  /** Whether an active exception already lets it through (`unknown`: one may). */
  covered: Coverage;
  /** The exceptions that cover it (or may), as namespace/name. */
  exceptions: string[];
}

/** One resource failing one policy: the failing rules, its owner, and whether exceptions already cover it. */
export interface Violation {
  target: string;
  resource: ReportedResource;
  owner: ResolvedOwner | null;
  /** As a request names it: `name`, `namespace/name` for a Policy, `Kind/name` for a CEL policy. */
  policy: string;
  rules: ViolationRule[];
  lastSeen: string | null;
  /** Every rule covered (true), some not (false), or some only maybe (`unknown`). */
  covered: Coverage;
  /** The report APIs the results came from. */
  sources: string[];
}

export interface ViolationInputs {
  target: string;
  results: readonly DetailedReportResult[];
  /** The live objects of the resources' namespaces: the resources themselves and their owners. */
  objects: readonly Obj[];
  /** The exceptions in effect on the target. */
  exceptions: readonly NamedException[];
  /** A CEL policy as the reports name it (its name) → as a request names it (`Kind/name`). */
  celPolicies: ReadonlyMap<string, string>;
  namespaceLabels?: ReadonlyMap<string, Record<string, string>>;
  nowMs: number;
}

const allCovered = (rules: readonly ViolationRule[]): Coverage =>
  rules.every((r) => r.covered === true) ? true : rules.some((r) => r.covered === false) ? false : 'unknown';

const stub = (r: ReportedResource): Obj => ({
  apiVersion: r.apiVersion,
  kind: r.kind,
  metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) },
});

/**
 * Failing results grouped by resource and policy, newest result of each rule kept. Coverage is the
 * `covers` matcher's, against the live object where the cluster has it (labels, images), else what the
 * report says of it.
 */
export function buildViolations(input: ViolationInputs): Violation[] {
  const index = objectIndex(input.objects);
  const groups = new Map<
    string,
    { resource: ReportedResource; policy: string; results: DetailedReportResult[] }
  >();
  for (const r of input.results) {
    const policy = input.celPolicies.get(r.policy) ?? r.policy;
    const key = `${keyOf(r.resource.kind, r.resource.namespace, r.resource.name)}\n${policy}`;
    const group = groups.get(key) ?? { resource: r.resource, policy, results: [] };
    group.results.push(r);
    groups.set(key, group);
  }
  const violations = [...groups.values()].map(({ resource, policy, results }) => {
    const newest = new Map<string, DetailedReportResult>();
    for (const r of results) {
      const seen = newest.get(r.rule);
      if (!seen || (r.atMs ?? 0) > (seen.atMs ?? 0)) newest.set(r.rule, r);
    }
    const live = index.get(keyOf(resource.kind, resource.namespace, resource.name)) ?? stub(resource);
    const ruleNames = [...newest.keys()].sort();
    const verdicts = coverage(
      input.exceptions,
      [resourceUnderTest(live)],
      ruleNames.map((rule) => ({ policy, rule, kinds: [] })),
      { nowMs: input.nowMs, ...(input.namespaceLabels ? { namespaceLabels: input.namespaceLabels } : {}) },
    );
    const rules: ViolationRule[] = ruleNames.map((rule) => {
      const r = newest.get(rule) as DetailedReportResult;
      const v = verdicts.find((x) => x.rule === rule);
      return {
        rule,
        result: r.result as FailingResult,
        message: r.message,
        seenAt: r.atMs === undefined ? null : toRfc3339(r.atMs),
        covered: v?.covered ?? false,
        exceptions: v?.covered === false ? [] : (v?.exceptions ?? []),
      };
    });
    const seen = results.map((r) => r.atMs).filter((t): t is number => t !== undefined);
    return {
      target: input.target,
      resource,
      owner: resolveOwner(resource, index),
      policy,
      rules,
      lastSeen: seen.length ? toRfc3339(Math.max(...seen)) : null,
      covered: allCovered(rules),
      sources: [...new Set(results.map((r) => r.source))].sort(),
    };
  });
  return violations.sort(
    (a, b) =>
      a.resource.namespace.localeCompare(b.resource.namespace) ||
      a.resource.kind.localeCompare(b.resource.kind) ||
      a.resource.name.localeCompare(b.resource.name) ||
      a.policy.localeCompare(b.policy),
  );
}

/** `KIND/NS/NAME` (or `KIND/NAME` for a cluster-scoped resource), as `request --from-violation` takes it. */
export function parseViolationRef(ref: string): { kind: string; namespace: string; name: string } {
  const parts = ref.split('/');
  const [kind = '', a = '', b] = parts;
  // Kinds are CamelCase: `payments/debug-shell` is a namespace and a name with the kind left out.
  const ok = parts.length >= 2 && parts.length <= 3 && /^[A-Z]/.test(kind) && a && (parts.length === 2 || b);
  if (!ok)
    throw new WaiverError(
      'usage',
      `"${ref}" is not KIND/NAMESPACE/NAME (e.g. Pod/payments/api-7d9c8b-x2x4z)`,
      'from-violation',
    );
  if (b !== undefined && !isLabel(a))
    throw new WaiverError(
      'usage',
      `"${ref}": "${a}" is not a namespace name (${NAMESPACE_NAME_RULE})`,
      'from-violation',
    );
  return b === undefined ? { kind, namespace: '', name: a } : { kind, namespace: a, name: b };
}
