import type { CoverageItem } from '../coverage.js';
import type { ResourceUnderTest } from '../exception-match.js';
import type { PolicyDocument, RuleVerdict } from './rule-verdict.js';
import { ruleWithoutException, type VerdictWithFinding } from './would-fail.js';

type Json = Readonly<Record<string, unknown>>;

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** The names coverage gives a policy: `name`, `namespace/name` for a Policy, `Kind/name` for CEL kinds. */
function policyKeys(policy: PolicyDocument): string[] {
  const name = text(policy.metadata?.['name']);
  const namespace = text(policy.metadata?.['namespace']);
  const kind = text(policy.kind);
  if (kind === 'ClusterPolicy') return [name];
  if (kind === 'Policy') return namespace ? [`${namespace}/${name}`, name] : [name];
  return [`${kind}/${name}`];
}

const resourceKey = (r: { apiVersion: string; kind: string; namespace?: string | undefined; name: string }) =>
  `${r.apiVersion}\n${r.kind}\n${r.namespace ?? ''}\n${r.name}`;

export interface VerdictInputs {
  policies: readonly PolicyDocument[];
  resources: readonly ResourceUnderTest[];
  nowMs?: number | undefined;
  /** Namespace objects by name, for CEL's `namespaceObject`. */
  namespaces?: ReadonlyMap<string, Json> | undefined;
}

/**
 * Adds "would it still fail?" to each item an exception covers (or may), when its policy is among those
 * given; findings (a pattern or expression Kyverno refuses) are returned once per policy and rule.
 */
export function withVerdicts(
  items: readonly CoverageItem[],
  inputs: VerdictInputs,
): { items: CoverageItem[]; findings: string[] } {
  const byPolicy = new Map<string, PolicyDocument>();
  for (const p of inputs.policies)
    for (const key of policyKeys(p)) if (!byPolicy.has(key)) byPolicy.set(key, p);
  const byResource = new Map(inputs.resources.map((r) => [resourceKey(r), r]));
  const findings = new Set<string>();
  const out = items.map((item) => {
    if (item.covered === false) return item;
    const policy = byPolicy.get(item.policy);
    const resource = byResource.get(resourceKey(item.resource));
    if (!policy || !resource) return item;
    const namespace = item.resource.namespace;
    const v: VerdictWithFinding = ruleWithoutException(
      { policy, rule: item.rule, resource },
      { nowMs: inputs.nowMs, namespaceObject: namespace ? inputs.namespaces?.get(namespace) : undefined },
    );
    if (v.finding) findings.add(v.finding);
    const verdict: RuleVerdict = { verdict: v.verdict, why: v.why };
    return { ...item, withoutException: verdict };
  });
  return { items: out, findings: [...findings] };
}

export interface ExemptionSummary {
  /** Distinct resources an exception covers (or may) with a verdict. */
  resources: number;
  /** Of those, every covered rule would pass without the exception. */
  alreadyPass: number;
  /** At least one covered rule would fail. */
  stillFail: number;
  unknown: number;
  /** The kind in lower case ("pod", "deployment"), or "resource" when several kinds are exempted. */
  noun: string;
}

/** Per resource: it already passes when every rule an exception covers for it would pass. */
export function exemptionSummary(items: readonly CoverageItem[]): ExemptionSummary | undefined {
  const perResource = new Map<string, { kind: string; verdicts: string[] }>();
  for (const i of items) {
    if (i.covered === false || !i.withoutException) continue;
    const key = resourceKey(i.resource);
    const entry = perResource.get(key) ?? { kind: i.resource.kind, verdicts: [] };
    entry.verdicts.push(i.withoutException.verdict);
    perResource.set(key, entry);
  }
  if (!perResource.size) return undefined;
  const entries = [...perResource.values()];
  const kinds = new Set(entries.map((e) => e.kind));
  const only = [...kinds][0] ?? '';
  const noun = kinds.size === 1 && only ? only.toLowerCase() : 'resource';
  return {
    resources: entries.length,
    alreadyPass: entries.filter((e) => e.verdicts.every((v) => v === 'would-pass')).length,
    stillFail: entries.filter((e) => e.verdicts.includes('would-fail')).length,
    unknown: entries.filter((e) => !e.verdicts.includes('would-fail') && e.verdicts.includes('unknown'))
      .length,
    noun,
  };
}

/** "exempts 3 pods; 1 of them already passes" (and how many are unknown). */
export function exemptionLine(s: ExemptionSummary): string {
  const what = s.resources === 1 ? s.noun : plural(s.noun);
  if (s.resources === 1)
    return `exempts 1 ${what}; ${
      s.alreadyPass
        ? 'it already passes'
        : s.stillFail
          ? 'it would still fail without the exception'
          : 'whether it would pass without it is unknown'
    }`;
  const line = `exempts ${s.resources} ${what}; ${s.alreadyPass} of them already ${s.alreadyPass === 1 ? 'passes' : 'pass'}`;
  return s.unknown ? `${line}, ${s.unknown} unknown` : line;
}

const plural = (noun: string) => (/(s|x|ch|sh)$/.test(noun) ? `${noun}es` : `${noun}s`);
