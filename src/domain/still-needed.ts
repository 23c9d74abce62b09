import {
  coverage,
  policyRules,
  rulesNamedBy,
  type CoverageItem,
  type NamedException,
  type PolicyRule,
} from './coverage.js';
import { isCelSpec } from './cel-match.js';
import type { ResourceUnderTest } from './exception-match.js';
import { wildcardMatch } from './wildcard.js';
import type { EvaluationContext } from './evaluate/would-fail.js';
import type {
  PolicyDocument,
  RuleUnderTest,
  RuleVerdict,
  WithoutException,
} from './evaluate/rule-verdict.js';

/** One resource an exception covers, and what its policy rule says of it without any exception. */
export interface ResourceVerdict {
  resource: { apiVersion: string; kind: string; namespace: string; name: string };
  policy: string;
  rule: string;
  verdict: WithoutException;
  why: string;
}

/** Is an exception still needed: what it covers now, and whether every one of those would pass anyway. */
export interface StillNeeded {
  /** Each resource and rule it covers in the cluster now, with the verdict without it. */
  resources: ResourceVerdict[];
  /** It covers at least one resource, and every one would pass: the exception can end. */
  noLongerNeeded: boolean;
  /** Why it is, or is not, flagged. */
  why: string;
}

/** An exception in effect, by the key the caller knows it by (its id), with its policy and rendered spec. */
export interface ExceptionToCheck {
  key: number;
  /** The policy as the record names it: `name`, `namespace/name` (a Policy), or `Kind/name` (CEL). */
  policy: string;
  /**
   * The namespaces its match names, when all are literal (Waiver's records: its own namespaces); empty
   * when any is a wildcard or none is named. Only resources there are matched against it.
   */
  namespaces: readonly string[];
  /** The name patterns its match names (Waiver's records: its own); empty when it names none. */
  names: readonly string[];
  exception: NamedException;
}

export interface StillNeededInput {
  exceptions: readonly ExceptionToCheck[];
  resources: readonly ResourceUnderTest[];
  /** The policies the cluster holds, by the name the records give them; an absent one is unknown. */
  policies: ReadonlyMap<string, PolicyDocument>;
  namespaceLabels?: ReadonlyMap<string, Record<string, string>>;
  nowMs: number;
  /**
   * Why the resources may be incomplete (a truncated read, kinds not read), or undefined: with a reason,
   * nothing is flagged, since a resource not read may still fail.
   */
  incomplete?: string | undefined;
  /** The policy rule without any exception: the evaluators' dispatcher (`ruleWithoutException`). */
  evaluate: (test: RuleUnderTest, context: EvaluationContext) => RuleVerdict;
}

const identity = (r: { apiVersion: string; kind: string; namespace?: string | undefined; name: string }) =>
  `${r.apiVersion}\n${r.kind}\n${r.namespace ?? ''}\n${r.name}`;

const policyDocumentName = (doc: PolicyDocument): boolean =>
  doc.kind === 'ClusterPolicy' || doc.kind === 'Policy';

/**
 * "Is it still needed?" for many exceptions of one cluster at once: each exception matched as Kyverno
 * would against the few resources its namespaces and names allow, then each
 * covered resource and rule evaluated once without any exception, however many exceptions cover it. An
 * exception is no longer needed when it covers at least one resource and every one would pass; a
 * `would-fail`, an `unknown` or an incomplete read keeps it.
 */
export function stillNeeded(input: StillNeededInput): Map<number, StillNeeded> {
  const { exceptions, resources, policies, evaluate } = input;
  const resourceOf = new Map(resources.map((r) => [identity(r), r]));
  const verdicts = new Map<string, RuleVerdict>();
  const verdictOf = (item: CoverageItem): RuleVerdict => {
    const key = `${item.policy}\n${item.rule}\n${identity(item.resource)}`;
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      const policy = policies.get(item.policy);
      const resource = resourceOf.get(identity(item.resource));
      verdict =
        policy === undefined || resource === undefined
          ? { verdict: 'unknown', why: `policy ${item.policy} is not in the cluster` }
          : evaluateSafely(
              evaluate,
              { policy, rule: item.rule, resource },
              {
                nowMs: input.nowMs,
                namespaceLabels: input.namespaceLabels?.get(resource.namespace ?? resource.name),
              },
            );
      verdicts.set(key, verdict);
    }
    return verdict;
  };
  const candidatesOf = candidates(input);
  const context = {
    nowMs: input.nowMs,
    ...(input.namespaceLabels ? { namespaceLabels: input.namespaceLabels } : {}),
  };
  return new Map(
    exceptions.map((e) => {
      const near = candidatesOf(e);
      const items = near.length ? coverage([e.exception], near, rulesOf([e], policies), context) : [];
      const covered = items
        .filter((item) => item.covered === true)
        .map((item): ResourceVerdict => {
          const { verdict, why } = verdictOf(item);
          return { resource: item.resource, policy: item.policy, rule: item.rule, verdict, why };
        });
      return [e.key, judged(covered, e.policy, input.incomplete)];
    }),
  );
}

const namespaceOf = (r: ResourceUnderTest): string => (r.kind === 'Namespace' ? r.name : (r.namespace ?? ''));

/**
 * The resources an exception may cover, found cheaply before Kyverno's matching runs: those of the
 * namespaces it names (all when it names none or a wildcard) whose name fits one of its name patterns
 * (any, without). A CEL exception's conditions would otherwise run against every object of the cluster.
 */
function candidates(input: StillNeededInput): (e: ExceptionToCheck) => readonly ResourceUnderTest[] {
  const byNamespace = new Map<string, ResourceUnderTest[]>();
  for (const r of input.resources) {
    const ns = namespaceOf(r);
    const list = byNamespace.get(ns);
    if (list) list.push(r);
    else byNamespace.set(ns, [r]);
  }
  return (e) => {
    const near = e.namespaces.length
      ? [...new Set(e.namespaces)].flatMap((ns) => byNamespace.get(ns) ?? [])
      : input.resources;
    return e.names.length ? near.filter((r) => e.names.some((n) => wildcardMatch(n, r.name))) : near;
  };
}

/** An evaluator that throws on odd input is a finding, never a crash of the whole pass. */
function evaluateSafely(
  evaluate: StillNeededInput['evaluate'],
  test: RuleUnderTest,
  context: EvaluationContext,
): RuleVerdict {
  try {
    return evaluate(test, context);
  } catch (e) {
    return {
      verdict: 'unknown',
      why: `the rule could not be evaluated: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

function judged(resources: ResourceVerdict[], policy: string, incomplete: string | undefined): StillNeeded {
  const failing = resources.filter((r) => r.verdict === 'would-fail').length;
  const unknown = resources.filter((r) => r.verdict === 'unknown').length;
  const no = (why: string): StillNeeded => ({ resources, noLongerNeeded: false, why });
  if (resources.length === 0) return no('it covers no resource in the cluster now');
  if (failing > 0)
    return no(`${failing} of the ${resources.length} resource(s) it covers would fail ${policy} without it`);
  if (unknown > 0)
    return no(
      `for ${unknown} of the ${resources.length} resource(s) it covers, whether ${policy} would fail without it is unknown`,
    );
  if (incomplete !== undefined)
    return no(`every resource read would pass ${policy} without it, but ${incomplete}`);
  return {
    resources,
    noLongerNeeded: true,
    why: `every resource it covers (${resources.length}) would pass ${policy} without it: revoke it`,
  };
}

/** The rules of each policy the exceptions name: the policy's own where the cluster has it, else as named. */
function rulesOf(
  exceptions: readonly ExceptionToCheck[],
  policies: ReadonlyMap<string, PolicyDocument>,
): PolicyRule[] {
  const rules = new Map<string, PolicyRule>();
  const add = (r: PolicyRule) => rules.set(`${r.policy}\n${r.rule}`, r);
  for (const e of exceptions) {
    const doc = policies.get(e.policy);
    // The policy decides what it evaluates (its rules' kinds, a CEL policy's matchConstraints), as Kyverno.
    if (doc && (policyDocumentName(doc) ? !isCelSpec(e.exception.spec) : isCelSpec(e.exception.spec)))
      policyRules(doc as Parameters<typeof policyRules>[0])
        .filter((r) => r.policy === e.policy)
        .forEach(add);
    else rulesNamedBy([e.exception]).forEach(add);
  }
  return [...rules.values()];
}
