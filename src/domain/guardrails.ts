import type { Issue } from './errors.js';
import { parseCelPolicyRef } from './cel-exception.js';
import { validationsCompile, validationsNeedCelException } from './cel-validations.js';
import {
  allowedKinds,
  isCelApiVersion,
  type ApiVersion,
  type ExceptionRecord,
  type ExceptionScope,
  type Justification,
} from './exception.js';
import { exceptionTextSize, MAX_EXCEPTION_TEXT } from './exception-size.js';
import { exemptionIssues, type Exemptions } from './exemptions.js';
import { maxDaysFor, type ProcessSettings } from './settings.js';
import { DAY_MS } from './time.js';
import { hasWildcard, literalPrefix } from './wildcard.js';
import { isLabel, NAMESPACE_NAME_RULE } from './namespace-name.js';

/** Everything a rule may look at when an exception is requested or renewed. */
export interface RequestContext {
  scope: ExceptionScope;
  justification: Justification;
  nowMs: number;
  settings: ProcessSettings;
  /** The exception being renewed, for a renewal. */
  renewing?: ExceptionRecord;
  /** The API it is written in: a CEL PolicyException names its policy as Kind/name and no rules. */
  apiVersion?: ApiVersion | undefined;
  /** What it exempts inside its scope: checked entry by entry against its API and policy. */
  exemptions?: Exemptions | undefined;
}

/** A guardrail: returns the issue when the request breaks it. The list below is the documentation. */
export type Rule = (ctx: RequestContext) => Issue | undefined;

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_PATTERN = /^[a-z0-9.*?-]+$/;
const MAX_TEXT = 2000;
const issue = (code: string, field: string, message: string): Issue => ({ code, field, message });

const firstIssue = <T>(values: readonly T[], check: (value: T) => Issue | undefined): Issue | undefined => {
  for (const v of values) {
    const found = check(v);
    if (found) return found;
  }
  return undefined;
};

export const nameIsDnsLabel: Rule = ({ scope }) =>
  isLabel(scope.name)
    ? undefined
    : issue(
        'name-format',
        'name',
        `"${scope.name}" must be a DNS-1123 label (lower-case letters, digits, "-"; at most 63 characters)`,
      );

const isSubdomain = (s: string): boolean => s.length <= 253 && DNS1123_SUBDOMAIN.test(s);

/**
 * A ClusterPolicy by its name, or a namespaced Policy as Kyverno keys its exceptions: `namespace/name`; for
 * a CEL PolicyException, the CEL policy as `Kind/name`.
 */
export const policyIsKubernetesName: Rule = ({ scope, apiVersion }) => {
  if (apiVersion && isCelApiVersion(apiVersion)) {
    const ref = parseCelPolicyRef(scope.policy);
    return ref && isSubdomain(ref.name)
      ? undefined
      : issue(
          'policy-format',
          'policy',
          `"${scope.policy}" is not a CEL policy as Kind/name (ValidatingPolicy, ImageValidatingPolicy, MutatingPolicy, GeneratingPolicy or DeletingPolicy)`,
        );
  }
  if (parseCelPolicyRef(scope.policy))
    return issue(
      'policy-format',
      'policy',
      `"${scope.policy}" is a CEL policy: its exceptions are policies.kyverno.io/v1 PolicyExceptions (--api-version policies.kyverno.io/v1)`,
    );
  const [first = '', second, ...rest] = scope.policy.split('/');
  const valid =
    rest.length === 0 && (second === undefined ? isSubdomain(first) : isLabel(first) && isSubdomain(second));
  return valid
    ? undefined
    : issue(
        'policy-format',
        'policy',
        `"${scope.policy}" is neither a ClusterPolicy's name nor a Policy's namespace/name`,
      );
};

export const rulesAreNamed: Rule = ({ scope, apiVersion }) =>
  apiVersion && isCelApiVersion(apiVersion)
    ? scope.rules.length
      ? issue(
          'rules-cel',
          'rules',
          'a CEL policy has no rules to name: a CEL PolicyException names the whole policy',
        )
      : undefined
    : scope.rules.length === 0
      ? issue('rules-required', 'rules', 'name at least one rule of the policy')
      : firstIssue(scope.rules, (r) =>
          isLabel(r)
            ? undefined
            : issue(
                'rule-format',
                'rules',
                `"${r}" must be an exact rule name (no wildcards; at most 63 characters)`,
              ),
        );

export const kindsAreAllowed: Rule = ({ scope }) =>
  scope.kinds.length === 0
    ? issue('kinds-required', 'kinds', 'name at least one kind')
    : firstIssue(scope.kinds, (k) =>
        (allowedKinds as readonly string[]).includes(k)
          ? undefined
          : issue('kind-allowed', 'kinds', `"${k}" is not allowed; use one of ${allowedKinds.join(', ')}`),
      );

export const namespacesAreSpecific: Rule = ({ scope, settings }) => {
  if (scope.namespaces.length === 0)
    return issue('namespaces-required', 'namespaces', 'name at least one namespace');
  const protectedNames = new Set([
    ...settings.protectedNamespaces,
    settings.kyvernoNamespace,
    settings.exceptionNamespace,
  ]);
  return firstIssue(scope.namespaces, (ns) => {
    if (hasWildcard(ns))
      return issue(
        'namespace-wildcard',
        'namespaces',
        `"${ns}": wildcards are not allowed; name each namespace`,
      );
    if (!isLabel(ns))
      return issue(
        'namespace-format',
        'namespaces',
        `"${ns}" is not a namespace name (${NAMESPACE_NAME_RULE})`,
      );
    if (protectedNames.has(ns))
      return issue(
        'namespace-protected',
        'namespaces',
        `"${ns}" is protected: exceptions there are never granted`,
      );
    return undefined;
  });
};

export const namesAreSpecific: Rule = ({ scope, settings }) => {
  if (scope.names.length === 0) return issue('names-required', 'names', 'name at least one pod-name pattern');
  return firstIssue(scope.names, (n) => {
    if (n.length > 253 || !NAME_PATTERN.test(n)) {
      return issue(
        'name-pattern-format',
        'names',
        `"${n}" may hold only lower-case letters, digits, ".", "-", "*" and "?"`,
      );
    }
    if (hasWildcard(n) && literalPrefix(n).length < settings.minNamePrefix) {
      return issue(
        'name-pattern-broad',
        'names',
        `"${n}" is too broad: at least ${settings.minNamePrefix} literal characters must come before any "*" or "?"`,
      );
    }
    return undefined;
  });
};

export const ticketIsReference: Rule = ({ justification, settings }) =>
  new RegExp(settings.ticketPattern).test(justification.ticket)
    ? undefined
    : issue(
        'ticket-format',
        'ticket',
        `"${justification.ticket}" must look like INC-123 (pattern ${settings.ticketPattern})`,
      );

export const emergencyHasIncident: Rule = ({ justification, settings }) => {
  if (justification.category !== 'emergency-hotfix') return undefined;
  const prefix = justification.ticket.split('-', 1)[0] ?? '';
  return settings.incidentTicketPrefixes.includes(prefix)
    ? undefined
    : issue(
        'emergency-incident',
        'ticket',
        `an emergency hotfix needs an incident ticket (${settings.incidentTicketPrefixes.map((p) => `${p}-…`).join(' or ')})`,
      );
};

export const reasonIsSubstantial: Rule = ({ justification, settings }) =>
  justification.reason.trim().length >= settings.minReasonLength
    ? undefined
    : issue(
        'reason-length',
        'reason',
        `the business justification must have at least ${settings.minReasonLength} characters`,
      );

export const reasonIsValid: Rule = ({ justification, settings }) => {
  const text = justification.reason.toLowerCase();
  const found = settings.invalidReasons.find(
    (r) => text.includes(r.phrase.toLowerCase()) && !(r.allowedFor ?? []).includes(justification.category),
  );
  return found && issue('reason-invalid', 'reason', `"${found.phrase}": ${found.rule}`);
};

export const vendorImageHasRiskAssessment: Rule = ({ justification }) =>
  justification.category === 'vendor-image' && !justification.riskAssessment?.trim()
    ? issue(
        'risk-assessment-required',
        'riskAssessment',
        'a vendor image needs a risk assessment (a link or text)',
      )
    : undefined;

export const textIsPlain: Rule = ({ justification }) => {
  const texts: [string, string | null][] = [
    ['reason', justification.reason],
    ['ticket', justification.ticket],
    ['riskAssessment', justification.riskAssessment],
  ];
  for (const [field, value] of texts) {
    if (value === null) continue;
    // Kyverno substitutes {{ }} in parts of a PolicyException; user text must never become a template.
    if (value.includes('{{'))
      return issue('text-template', field, 'must not contain "{{": Kyverno would read it as a variable');
    if (value.length > MAX_TEXT) return issue('text-length', field, `must be at most ${MAX_TEXT} characters`);
  }
  return undefined;
};

export const sizeIsBounded: Rule = ({ scope, justification }) => {
  const size = exceptionTextSize({ ...scope, ...justification });
  return size <= MAX_EXCEPTION_TEXT
    ? undefined
    : issue(
        'exception-size',
        'names',
        `the exception holds ${size} characters of names, patterns and text; at most ${MAX_EXCEPTION_TEXT} are allowed: split it into several exceptions`,
      );
};

export const expiryIsFuture: Rule = ({ justification, nowMs }) =>
  Date.parse(justification.expiresAt) > nowMs
    ? undefined
    : issue('expiry-past', 'expiresAt', 'the expiry must be in the future');

export const expiryIsBounded: Rule = ({ justification, nowMs, settings }) => {
  const max = maxDaysFor(settings, justification.category);
  return Date.parse(justification.expiresAt) - nowMs <= max * DAY_MS
    ? undefined
    : issue(
        'expiry-max',
        'expiresAt',
        `${/^[aeiou]/.test(justification.category) ? 'an' : 'a'} ${justification.category} exception lasts at most ${max} days`,
      );
};

export const renewalHasNewJustification: Rule = ({ justification, renewing }) =>
  renewing && normalise(renewing.reason) === normalise(justification.reason)
    ? issue(
        'renewal-same-reason',
        'reason',
        'a renewal needs a new justification, not the previous one again',
      )
    : undefined;

export const renewalIsWithinLimit: Rule = ({ renewing, settings }) =>
  renewing && renewing.renewalCount >= settings.maxRenewals
    ? issue(
        'renewal-limit',
        'renewalOf',
        `already renewed ${renewing.renewalCount} times: escalate for a policy change instead`,
      )
    : undefined;

const normalise = (text: string): string => text.toLowerCase().replace(/\s+/g, ' ').trim();

/** Every guardrail a request must pass, in the order their issues are reported. */
export const requestRules: readonly Rule[] = [
  nameIsDnsLabel,
  policyIsKubernetesName,
  rulesAreNamed,
  kindsAreAllowed,
  namespacesAreSpecific,
  namesAreSpecific,
  ticketIsReference,
  emergencyHasIncident,
  reasonIsSubstantial,
  reasonIsValid,
  vendorImageHasRiskAssessment,
  textIsPlain,
  sizeIsBounded,
  expiryIsFuture,
  expiryIsBounded,
  renewalHasNewJustification,
  renewalIsWithinLimit,
  validationsNeedCelException,
  validationsCompile,
];

export function checkRequest(ctx: RequestContext, rules: readonly Rule[] = requestRules): Issue[] {
  const issues = rules.map((rule) => rule(ctx)).filter((i): i is Issue => i !== undefined);
  // Every entry's issues, not the first: each names its own field (podSecurity.1.images).
  if (ctx.exemptions)
    issues.push(
      ...exemptionIssues(ctx.exemptions, ctx.apiVersion ?? ctx.settings.apiVersion, ctx.scope.policy),
    );
  return issues;
}
