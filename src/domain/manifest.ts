import type { ResourceFilter as MatchFilterSpec } from './exception-match.js';

/** The shape of a kyverno.io PolicyException, as far as Waiver reads and writes it (kyverno/FACTS.md). */

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'waiver';
export const ID_LABEL = 'waiver.io/exception-id';
export const TTL_LABEL = 'cleanup.kyverno.io/ttl';

export const ANNOTATIONS = {
  requestor: 'requestor',
  ticket: 'jira-ticket',
  reason: 'reason',
  riskAcceptance: 'risk-acceptance',
  expiryReminder: 'expiry-reminder',
  category: 'waiver.io/category',
  expiresAt: 'waiver.io/expires-at',
  riskAssessment: 'waiver.io/risk-assessment',
} as const;

/** The annotations the process template requires on every exception. */
export const requiredAnnotations = [
  ANNOTATIONS.requestor,
  ANNOTATIONS.ticket,
  ANNOTATIONS.reason,
  ANNOTATIONS.riskAcceptance,
  ANNOTATIONS.expiryReminder,
] as const;

/** One entry of `match.any`/`match.all`, as the matcher reads it. */
export type MatchFilter = MatchFilterSpec;
export type ResourceFilter = NonNullable<MatchFilterSpec['resources']>;

export interface Condition {
  key: unknown;
  operator: string;
  value?: unknown;
  message?: string;
}

export interface PolicyExceptionManifest {
  apiVersion: string;
  kind: 'PolicyException';
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: {
    background?: boolean;
    exceptions: { policyName: string; ruleNames: string[] }[];
    match: { any?: MatchFilter[]; all?: MatchFilter[] };
    conditions?: { any?: Condition[]; all?: Condition[] };
    podSecurity?: { controlName: string; images?: string[]; restrictedField?: string; values?: string[] }[];
    [key: string]: unknown;
  };
}

/** A policies.kyverno.io PolicyException (the CEL one): policy references, CEL match conditions, expiresAt. */
export interface CelPolicyExceptionManifest {
  apiVersion: string;
  kind: 'PolicyException';
  metadata: PolicyExceptionManifest['metadata'];
  spec: {
    policyRefs: { name: string; kind: string }[];
    matchConditions?: { name: string; expression: string }[];
    expiresAt?: string;
    properties?: Record<string, string>;
    images?: string[];
    allowedValues?: string[];
    [key: string]: unknown;
  };
}

export type ExceptionManifest = PolicyExceptionManifest | CelPolicyExceptionManifest;

export const isCelManifest = (m: ExceptionManifest): m is CelPolicyExceptionManifest =>
  m.apiVersion.startsWith('policies.kyverno.io/');

/** The working expiry condition: Kyverno's documented `time_before` form, compared with Equals. */
export const expiryConditionKey = (expiresAt: string): string =>
  `{{ time_before('{{ time_now_utc() }}', '${expiresAt}') }}`;

/** Label values cannot hold ":", so the TTL label takes `2006-01-02T150405Z`. */
export const ttlLabelValue = (expiresAt: string): string =>
  expiresAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '');

/** Reads back `2006-01-02T150405Z` or `2006-01-02` as RFC3339; undefined if it is neither. */
export function parseTtlLabel(value: string): string | undefined {
  const full = /^(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (full) return `${full[1]}T${full[2]}:${full[3]}:${full[4]}Z`;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : undefined;
}
