import { expandForControllers } from './autogen.js';
import { parseCelPolicyRef } from './cel-exception.js';
import type { RiskRating } from './controls.js';
import {
  isCelApiVersion,
  type ApiVersion,
  type Category,
  type ExceptionScope,
  type Justification,
} from './exception.js';
import type { Exemptions } from './exemptions.js';
import { defaultExceptionName } from './naming.js';
import type { ProcessSettings } from './settings.js';
import { parseExpiry, toRfc3339, wholeSeconds } from './time.js';

/** A request's fields as a person gives them (the CLI's flags, the API's body, the web form). */
export interface RequestFields {
  name?: string | undefined;
  policy?: string | undefined;
  rules?: readonly string[] | undefined;
  kinds?: readonly string[] | undefined;
  namespaces: readonly string[];
  names: readonly string[];
  category: Category;
  ticket: string;
  reason: string;
  riskAssessment?: string | null | undefined;
  riskRating?: RiskRating | null | undefined;
  compensatingControls?: string | null | undefined;
  /** CEL a CEL exception's resource must satisfy before Kyverno grants it (compensating controls). */
  validations?: readonly string[] | undefined;
  falsePositive?: string | null | undefined;
  /** A duration (14d) or an RFC3339 instant. */
  expires: string;
  apiVersion?: ApiVersion | undefined;
  podSecurity?: readonly PodSecurityFields[] | undefined;
  images?: readonly string[] | undefined;
  allowedValues?: readonly string[] | undefined;
}

/** A `podSecurity` entry as given: lists and field may be left out, as in Kyverno's manifest. */
export interface PodSecurityFields {
  controlName: string;
  images?: readonly string[] | undefined;
  restrictedField?: string | null | undefined;
  values?: readonly string[] | undefined;
}

/** The exemptions as the record keeps them: every list present, a missing field null. */
export function draftExemptions(
  fields: Pick<RequestFields, 'podSecurity' | 'images' | 'allowedValues'>,
): Exemptions {
  return {
    podSecurity: (fields.podSecurity ?? []).map((e) => ({
      controlName: e.controlName.trim(),
      images: (e.images ?? []).map((i) => i.trim()),
      restrictedField: e.restrictedField?.trim() || null,
      values: (e.values ?? []).map((v) => v.trim()),
    })),
    images: (fields.images ?? []).map((i) => i.trim()),
    allowedValues: (fields.allowedValues ?? []).map((v) => v.trim()),
  };
}

/**
 * What a request asks for, with the process's defaults filled in: its scope (controllers added for
 * Pods) and its justification. The server and the web form both draft with it, so the guardrails see
 * the same thing in both. A malformed expiry throws a `usage` error naming `expires`.
 */
export function draftRequest(
  fields: RequestFields,
  settings: ProcessSettings,
  nowMs: number,
): {
  scope: ExceptionScope;
  justification: Justification;
  apiVersion: ApiVersion;
  exemptions: Exemptions;
} {
  const justification: Justification = {
    category: fields.category,
    ticket: fields.ticket.trim(),
    reason: fields.reason.trim(),
    riskAssessment: fields.riskAssessment?.trim() || null,
    expiresAt: toRfc3339(wholeSeconds(parseExpiry(fields.expires, wholeSeconds(nowMs)))),
    riskRating: fields.riskRating ?? null,
    compensatingControls: fields.compensatingControls?.trim() || null,
    validations: (fields.validations ?? []).map((v) => v.trim()),
    falsePositive: fields.falsePositive?.trim() || null,
  };
  return {
    scope: draftScope(fields, settings),
    justification,
    apiVersion: apiVersionFor(fields, settings),
    exemptions: draftExemptions(fields),
  };
}

/**
 * The API version asked for; else, for a CEL policy named `Kind/name`, the only one its exceptions can
 * have; else the configured default.
 */
function apiVersionFor(
  fields: Pick<RequestFields, 'apiVersion' | 'policy'>,
  settings: ProcessSettings,
): ApiVersion {
  if (fields.apiVersion) return fields.apiVersion;
  if (fields.policy && parseCelPolicyRef(fields.policy) && !isCelApiVersion(settings.apiVersion))
    return 'policies.kyverno.io/v1';
  return settings.apiVersion;
}

/**
 * The scope alone, which needs no valid expiry: the policy and rules (the defaults when none are
 * given; none for a CEL policy), and for Pod controllers the autogen rules, Jobs, Pods and pod names
 * Kyverno checks too.
 */
export function draftScope(
  fields: Omit<RequestFields, 'category' | 'reason' | 'expires'>,
  settings: ProcessSettings,
): ExceptionScope {
  return expandForControllers({
    name: fields.name || defaultExceptionName([...fields.namespaces], [...fields.names], fields.ticket),
    policy: fields.policy || settings.defaultPolicy,
    rules: fields.rules?.length
      ? [...fields.rules]
      : isCelApiVersion(apiVersionFor(fields, settings))
        ? []
        : settings.defaultRules,
    kinds: fields.kinds?.length ? [...fields.kinds] : ['Pod'],
    namespaces: [...fields.namespaces],
    names: [...fields.names],
  });
}
