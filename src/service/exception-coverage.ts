import {
  coverage,
  coverageNotes,
  policyRules,
  resourceUnderTest,
  rulesNamedBy,
  type CoverageItem,
  type NamedException,
} from '../domain/coverage.js';
import { draftRequest } from '../domain/draft-request.js';
import { messageOf } from '../domain/errors.js';
import { overlapWith, type Overlap } from '../domain/overlap.js';
import {
  exemptionSummary,
  withVerdicts,
  type ExemptionSummary,
} from '../domain/evaluate/coverage-verdicts.js';
import { WaiverError } from '../domain/errors.js';
import { formatId, type ExceptionRecord } from '../domain/exception.js';
import { checkRequest } from '../domain/guardrails.js';
import { newRequest } from '../domain/new-request.js';
import { parseInput } from '../domain/parse-input.js';
import { renderManifest } from '../domain/render.js';
import { wholeSeconds } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { RequestInputSchema, type RequestInput } from './inputs.js';
import { clusterOf, clusterTargets } from './targets.js';
import { resolveException } from './resolve.js';

/** What an exception lets through in the cluster now: the resources it covers, or may. */
export interface CoverageReport {
  /** EX-42, or `preview` for a request not filed yet. */
  exception: string;
  /** Resource and rule pairs covered (true) or that may be ('unknown'); the rest are only counted. */
  items: CoverageItem[];
  /** Every resource and rule pair checked. */
  checked: number;
  notCovered: number;
  /** The kinds and namespaces read from the cluster (no namespaces: all of them). */
  kinds: string[];
  namespaces: string[];
  /** What limits the answer: kinds not read, a truncated list, a policy not found. */
  notes: string[];
  /** Of the resources exempted, how many already pass without the exception (when the policy is known). */
  exemption?: ExemptionSummary;
}

/** `covers EX-42`: the blast radius of a recorded exception (any state: a pending one before approval). */
export async function exceptionCoverage(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<CoverageReport> {
  authorize(actor, 'read');
  // Without any cluster, that is the answer, whichever exception was asked about.
  if (clusterTargets(deps).length === 0) inventoryOf(deps, deps.targets.defaultName);
  const record = await resolveException(deps.store, ref);
  return coverageOf(deps, record, formatId(record.id));
}

/** `request --preview`: the blast radius of a request before it is filed, checked by the same guardrails. */
export async function previewCoverage(
  deps: ServiceDeps,
  actor: Actor,
  raw: RequestInput,
): Promise<CoverageReport> {
  authorize(actor, 'request');
  const input = parseInput(RequestInputSchema, raw);
  const target = input.target ?? deps.targets.defaultName;
  inventoryOf(deps, target);
  const nowMs = wholeSeconds(deps.clock.now());
  const { scope, justification, apiVersion } = draftRequest(input, deps.settings, nowMs);
  const issues = checkRequest({ scope, justification, nowMs, settings: deps.settings, apiVersion });
  if (issues.length > 0) throw WaiverError.fromIssues('guardrail', issues);
  const { record } = newRequest({
    scope,
    justification,
    requestor: actor.name,
    now: new Date(nowMs).toISOString(),
    apiVersion,
    target,
  });
  const draft: ExceptionRecord = { ...record, id: 0, version: 0 };
  return coverageOf(deps, draft, 'preview');
}

const inventoryOf = (deps: ServiceDeps, target: string) =>
  clusterOf(deps, 'covers reads a cluster', target, '; offline, use covers -f EXCEPTION.yaml --resources DIR')
    .inventory;

/** Reads what the record could reach (its kinds, in its namespaces) and matches it as Kyverno would. */
async function coverageOf(
  deps: ServiceDeps,
  record: ExceptionRecord,
  exception: string,
): Promise<CoverageReport> {
  const inventory = inventoryOf(deps, record.target);
  const manifest = renderManifest(record, deps.settings);
  const named: NamedException = {
    namespace: manifest.metadata.namespace ?? '',
    name: manifest.metadata.name,
    spec: manifest.spec,
  };
  const namespaces = record.namespaces.some((n) => /[*?]/.test(n)) ? [] : [...record.namespaces];
  const [found, namespaceLabels, policy] = await Promise.all([
    inventory.objects(record.kinds, namespaces),
    inventory.namespaceLabels(),
    inventory.policy(record.policy),
  ]);
  const notes: string[] = [];
  if (!policy)
    notes.push(
      `policy ${record.policy} is not in the cluster: its rules are taken as the exception names them`,
    );
  // The policy decides what is checked: its rules, or what a CEL policy's matchConstraints select.
  const rules = policy
    ? policyRules(policy).filter((r) => r.policy === record.policy)
    : rulesNamedBy([named]);
  if (policy) notes.push(...coverageNotes([policy], [named]));
  if (found.skipped.length) notes.push(`kinds not read from the cluster: ${found.skipped.join(', ')}`);
  if (found.truncated)
    notes.push('the cluster has more objects than covers reads at once: the answer covers the first ones');
  const resources = found.objects.map(resourceUnderTest);
  const all = coverage([named], resources, rules, {
    namespaceLabels,
    nowMs: deps.clock.now(),
  });
  const judged = withVerdicts(
    all.filter((i) => i.covered !== false),
    { policies: policy ? [policy] : [], resources, nowMs: deps.clock.now() },
  );
  const items = judged.items;
  notes.push(...judged.findings.map((f) => `finding: ${f}`));
  const exemption = exemptionSummary(items);
  return {
    exception,
    items,
    checked: all.length,
    notCovered: all.length - items.length,
    kinds: found.kinds,
    namespaces,
    notes,
    ...(exemption ? { exemption } : {}),
  };
}

/** How an exception meets the others in effect for its policy on its cluster target, with what limits the answer. */
export interface OverlapReport extends Overlap {
  notes: string[];
}

const namedOf = (deps: ServiceDeps, record: ExceptionRecord): NamedException => {
  const manifest = renderManifest(record, deps.settings);
  return { namespace: manifest.metadata.namespace ?? '', name: manifest.metadata.name, spec: manifest.spec };
};

/**
 * What the exception and the active ones for the same policy let through, each alone and together (the
 * `covers` matcher over what the exception could reach); null on a target that is not a cluster. A
 * cluster that does not answer is a note, not a failure of the page that asked.
 */
export async function overlapOf(deps: ServiceDeps, record: ExceptionRecord): Promise<OverlapReport | null> {
  const cluster = deps.targets.get(record.target)?.cluster;
  if (!cluster) return null;
  const now = deps.clock.now();
  const others = (await deps.store.listExceptions({ states: ['active'], targets: [record.target] })).filter(
    (r) => r.id !== record.id && r.policy === record.policy && Date.parse(r.expiresAt) > now,
  );
  const none: OverlapReport = { exceptions: [], shared: [], together: [], notes: [] };
  if (others.length === 0) return none;
  const named = namedOf(deps, record);
  const namespaces = record.namespaces.some((n) => /[*?]/.test(n)) ? [] : [...record.namespaces];
  try {
    const [found, namespaceLabels, policy] = await Promise.all([
      cluster.inventory.objects(record.kinds, namespaces),
      cluster.inventory.namespaceLabels(),
      cluster.inventory.policy(record.policy),
    ]);
    const rules = policy
      ? policyRules(policy).filter((r) => r.policy === record.policy)
      : rulesNamedBy([named]);
    const overlap = overlapWith(
      named,
      others.map((r) => namedOf(deps, r)),
      found.objects.map(resourceUnderTest),
      rules,
      { namespaceLabels, nowMs: now },
    );
    return {
      ...overlap,
      notes: found.truncated
        ? ['the cluster has more objects than are read at once: the answer covers the first ones']
        : [],
    };
  } catch (e) {
    return { ...none, notes: [`cannot read cluster target ${record.target}: ${messageOf(e)}`] };
  }
}
