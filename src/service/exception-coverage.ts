import {
  coverage,
  policyRules,
  resourceUnderTest,
  rulesNamedBy,
  type CoverageItem,
  type NamedException,
} from '../domain/coverage.js';
import { draftRequest } from '../domain/draft-request.js';
import { WaiverError } from '../domain/errors.js';
import type { ExceptionSpec } from '../domain/exception-match.js';
import { formatId, type ExceptionRecord } from '../domain/exception.js';
import { checkRequest } from '../domain/guardrails.js';
import type { PolicyExceptionManifest } from '../domain/manifest.js';
import { newRequest } from '../domain/new-request.js';
import { parseInput } from '../domain/parse-input.js';
import { renderPolicyException } from '../domain/render.js';
import { wholeSeconds } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { RequestInputSchema, type RequestInput } from './inputs.js';
import type { ClusterInventory } from './ports.js';
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
}

/** `covers EX-42`: the blast radius of a recorded exception (any state: a pending one before approval). */
export async function exceptionCoverage(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<CoverageReport> {
  authorize(actor, 'read');
  inventoryOf(deps);
  const record = await resolveException(deps.store, ref);
  return coverageOf(deps, renderPolicyException(record, deps.settings), formatId(record.id));
}

/** `request --preview`: the blast radius of a request before it is filed, checked by the same guardrails. */
export async function previewCoverage(
  deps: ServiceDeps,
  actor: Actor,
  raw: RequestInput,
): Promise<CoverageReport> {
  authorize(actor, 'request');
  inventoryOf(deps);
  const input = parseInput(RequestInputSchema, raw);
  const nowMs = wholeSeconds(deps.clock.now());
  const { scope, justification, apiVersion } = draftRequest(input, deps.settings, nowMs);
  const issues = checkRequest({ scope, justification, nowMs, settings: deps.settings });
  if (issues.length > 0) throw WaiverError.fromIssues('guardrail', issues);
  const { record } = newRequest({
    scope,
    justification,
    requestor: actor.name,
    now: new Date(nowMs).toISOString(),
    apiVersion,
  });
  const draft: ExceptionRecord = { ...record, id: 0, version: 0 };
  return coverageOf(deps, renderPolicyException(draft, deps.settings), 'preview');
}

function inventoryOf(deps: ServiceDeps): ClusterInventory {
  if (deps.inventory) return deps.inventory;
  throw new WaiverError(
    'usage',
    'covers reads a cluster, and none is configured: give --kubeconfig or --context (or kubernetes: in the config); offline, use covers -f EXCEPTION.yaml --resources DIR',
    'context',
  );
}

/** Reads what the manifest could reach (its kinds, in its namespaces) and matches it as Kyverno would. */
async function coverageOf(
  deps: ServiceDeps,
  manifest: PolicyExceptionManifest,
  exception: string,
): Promise<CoverageReport> {
  const inventory = inventoryOf(deps);
  const spec = manifest.spec as ExceptionSpec;
  const filters = [...(spec.match?.any ?? []), ...(spec.match?.all ?? [])];
  const kinds = [...new Set(filters.flatMap((f) => f.resources?.kinds ?? []))];
  const listed = filters.map((f) => f.resources?.namespaces ?? []);
  // Only literal namespaces narrow the read; a pattern or a filter without namespaces reads them all.
  const namespaces = listed.every((n) => n.length > 0 && n.every((ns) => !/[*?]/.test(ns)))
    ? [...new Set(listed.flat())]
    : [];
  const [found, namespaceLabels, policies] = await Promise.all([
    inventory.objects(kinds, namespaces),
    inventory.namespaceLabels(),
    Promise.all(spec.exceptions.map((e) => inventory.policy(e.policyName))),
  ]);
  const named: NamedException = {
    namespace: manifest.metadata.namespace ?? '',
    name: manifest.metadata.name,
    spec,
  };
  const notes: string[] = [];
  const rules = spec.exceptions.flatMap((e, i) => {
    const policy = policies[i];
    if (policy) return policyRules(policy).filter((r) => r.policy === e.policyName);
    notes.push(
      `policy ${e.policyName} is not in the cluster: its rules are taken as the exception names them`,
    );
    return rulesNamedBy([{ ...named, spec: { ...spec, exceptions: [e] } }]);
  });
  if (found.skipped.length) notes.push(`kinds not read from the cluster: ${found.skipped.join(', ')}`);
  if (found.truncated)
    notes.push('the cluster has more objects than covers reads at once: the answer covers the first ones');
  const all = coverage([named], found.objects.map(resourceUnderTest), rules, {
    namespaceLabels,
    nowMs: deps.clock.now(),
  });
  const items = all.filter((i) => i.covered !== false);
  return {
    exception,
    items,
    checked: all.length,
    notCovered: all.length - items.length,
    kinds: found.kinds,
    namespaces,
    notes,
  };
}
