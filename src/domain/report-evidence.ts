import { parseCelPolicyRef } from './cel-exception.js';
import { celExceptionCovers, isCelSpec, type CelExceptionSpec } from './cel-match.js';
import { exceptionCovers, type ExceptionSpec } from './exception-match.js';
import { formatId, type ExceptionRecord } from './exception.js';
import type { ResourceVerdict, StillNeeded } from './still-needed.js';
import { toRfc3339 } from './time.js';

/**
 * Proof of effect from Kyverno's policy reports (wgpolicyk8s.io/v1alpha2 PolicyReport and
 * ClusterPolicyReport, openreports.io Report and ClusterReport): a result `skip` whose properties name an
 * exception is a resource that exception let through.
 */
export interface ReportedResource {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface ReportResult {
  policy: string;
  rule: string;
  result: string;
  /** The exceptions the result names (`properties.exceptions`, comma-separated names). */
  exceptions: string[];
  resource: ReportedResource;
  /** When the result was produced, if the report says. */
  atMs: number | undefined;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const identity = (v: unknown, namespace: string): ReportedResource => {
  const r = obj(v);
  return {
    apiVersion: text(r['apiVersion']),
    kind: text(r['kind']),
    namespace: text(r['namespace']) || namespace,
    name: text(r['name']),
  };
};

/** A result as `violations` reads it: with its message and the report API it came from. */
export interface DetailedReportResult extends ReportResult {
  message: string;
  /** The report's apiVersion (wgpolicyk8s.io/v1alpha2, openreports.io/v1alpha1). */
  source: string;
}

/**
 * One report's results: Kyverno 1.13+ writes one report per resource (`scope`), older ones list the
 * resources of each result. A malformed entry is skipped, never trusted.
 */
export function reportResults(report: unknown): ReportResult[] {
  return detailedReportResults(report).map(({ message: _m, source: _s, ...r }) => r);
}

/** The same, with each result's message and the report's apiVersion. */
export function detailedReportResults(report: unknown): DetailedReportResult[] {
  const r = obj(report);
  const namespace = text(obj(r['metadata'])['namespace']);
  const source = text(r['apiVersion']);
  const scope = r['scope'] === undefined ? undefined : identity(r['scope'], namespace);
  return list(r['results']).flatMap((entry) => {
    const e = obj(entry);
    const seconds = obj(e['timestamp'])['seconds'];
    const atMs = typeof seconds === 'number' ? seconds * 1000 : undefined;
    const exceptions = text(obj(e['properties'])['exceptions'])
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    const resources = scope ? [scope] : list(e['resources']).map((x) => identity(x, namespace));
    return resources
      .filter((resource) => resource.name !== '')
      .map((resource) => ({
        policy: text(e['policy']),
        rule: text(e['rule']),
        result: text(e['result']),
        exceptions,
        resource,
        atMs,
        message: text(e['message']),
        source,
      }));
  });
}

export const evidenceFlags = [
  'unused',
  'skipping-after-expiry',
  'failing-while-active',
  'no-longer-needed',
] as const;
export type EvidenceFlag = (typeof evidenceFlags)[number];

export interface EvidenceEntry {
  resource: ReportedResource;
  policy: string;
  rule: string;
  seenAt: string | null;
}

export interface ExceptionEvidence {
  id: string;
  name: string;
  state: string;
  /** Resources the reports show this exception letting through now. */
  exempted: EvidenceEntry[];
  lastSeen: string | null;
  /** Resources it covers that the reports show failing a rule it names, while it is in effect. */
  failing: EvidenceEntry[];
  /**
   * Each resource and rule it covers in the cluster now, and whether the policy would fail it without
   * the exception (empty when not in effect, or when the cluster could not be read).
   */
  withoutException: ResourceVerdict[];
  flags: { flag: EvidenceFlag; why: string }[];
}

/** The policy as a report names it: a CEL policy by its name alone. */
const reportPolicy = (policy: string): string => parseCelPolicyRef(policy)?.name ?? policy;

const entry = (r: ReportResult): EvidenceEntry => ({
  resource: r.resource,
  policy: r.policy,
  rule: r.rule,
  seenAt: r.atMs === undefined ? null : toRfc3339(r.atMs),
});

/** Does the exception cover this reported resource for this result's policy and rule? */
function covers(
  spec: ExceptionSpec | CelExceptionSpec,
  record: ExceptionRecord,
  r: ReportResult,
  nowMs: number,
) {
  const resource = {
    ...r.resource,
    object: {
      apiVersion: r.resource.apiVersion,
      kind: r.resource.kind,
      metadata: { name: r.resource.name, namespace: r.resource.namespace },
    },
  };
  if (isCelSpec(spec)) return celExceptionCovers(spec, record.policy, resource, nowMs).covered === true;
  return exceptionCovers(spec, record.policy, r.rule, resource, { nowMs }).covered === true;
}

/**
 * What the reports prove about one exception: what it exempts now and when last seen, and three flags —
 * unused (active `unusedDays` and nothing exempted: revoke it), still skipping after expiry (reports
 * outlive it), failing while active (results flip back to fail); and, given what the cluster's live
 * objects say without it (`stillNeeded`), no longer needed.
 */
export function exceptionEvidence(
  record: ExceptionRecord,
  spec: ExceptionSpec | CelExceptionSpec,
  results: readonly ReportResult[],
  nowMs: number,
  unusedDays: number,
  stillNeeded?: StillNeeded,
): ExceptionEvidence {
  const policy = reportPolicy(record.policy);
  const named = results.filter((r) => r.result === 'skip' && r.exceptions.includes(record.name));
  const exempted = named.map(entry);
  const seen = named.map((r) => r.atMs).filter((t): t is number => t !== undefined);
  const lastSeen = seen.length ? toRfc3339(Math.max(...seen)) : null;
  const inEffect = record.state === 'active' && nowMs < Date.parse(record.expiresAt);
  const failing = inEffect
    ? results
        .filter((r) => r.result === 'fail' && r.policy === policy && covers(spec, record, r, nowMs))
        .map(entry)
    : [];
  const flags: ExceptionEvidence['flags'] = [];
  const since = Date.parse(record.appliedAt ?? record.requestedAt);
  if (inEffect && exempted.length === 0 && nowMs - since >= unusedDays * 86_400_000)
    flags.push({
      flag: 'unused',
      why: `in effect since ${record.appliedAt ?? record.requestedAt} and no report shows a resource it lets through: revoke it`,
    });
  if (!inEffect && exempted.length > 0)
    flags.push({
      flag: 'skipping-after-expiry',
      why: `${record.state === 'active' ? 'expired' : record.state}, yet ${exempted.length} report result(s) still skip through it: the reports outlive it (rescan, or remove the object)`,
    });
  if (failing.length > 0)
    flags.push({
      flag: 'failing-while-active',
      why: `${failing.length} resource(s) it covers fail ${policy} in the reports while it is in effect: results flip back to fail`,
    });
  const withoutException = inEffect ? (stillNeeded?.resources ?? []) : [];
  if (inEffect && stillNeeded?.noLongerNeeded) flags.push({ flag: 'no-longer-needed', why: stillNeeded.why });
  return {
    id: formatId(record.id),
    name: record.name,
    state: record.state,
    exempted,
    lastSeen,
    failing,
    withoutException,
    flags,
  };
}
