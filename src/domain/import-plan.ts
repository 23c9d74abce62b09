import { CEL_POLICY_KINDS, parseCelPolicyRef } from './cel-exception.js';
import { readCelConditions } from './cel-import.js';
import {
  apiVersions,
  categories,
  isCelApiVersion,
  type ApiVersion,
  type Category,
  type ExceptionScope,
  type NewExceptionRecord,
} from './exception.js';
import type { Issue } from './errors.js';
import type { Exemptions } from './exemptions.js';
import { ANNOTATIONS, parseTtlLabel, TTL_LABEL, type PolicyExceptionManifest } from './manifest.js';
import { CelPolicyExceptionSchema, PolicyExceptionSchema } from './manifest-schema.js';
import { check, issueText } from './issue-wording.js';
import { newRequest } from './new-request.js';
import type { ObservedException } from './observed.js';
import { fieldsFromTemplate } from './request-template.js';
import { draftExemptions } from './draft-request.js';
import { DAY_MS, toRfc3339 } from './time.js';

export interface ImportContext {
  exceptionNamespace: string;
  maxDays: number;
  apiVersion: ApiVersion;
  /** Who adopts it: the approver and applier of record. */
  importer: string;
  /** The target it was found on, and stays on. */
  target: string;
  nowMs: number;
  /** A live exception already holds the object's name. */
  nameTaken: boolean;
}

export interface Adoption {
  record: NewExceptionRecord;
  /** What the process asks for that the object did not say; the record holds the defaults used. */
  lacks: string[];
  /** The expiry the object stated, when it stated one (the record's is at most `maxDays` away). */
  originalExpiry: string | null;
}

export type ImportPlan = Adoption | { refused: string };

/**
 * How an unmanaged PolicyException would enter the process: an active record, expiring at most `maxDays`
 * from now, with what it lacked; or why it cannot be adopted as it is.
 */
export function planImport(object: ObservedException, ctx: ImportContext): ImportPlan {
  if (object.namespace !== ctx.exceptionNamespace)
    return {
      refused: `Kyverno reads exceptions only from ${ctx.exceptionNamespace}; move it there or delete it`,
    };
  if (isCelApiVersion(object.apiVersion)) return planCelImport(object, ctx);
  const parsed = check(PolicyExceptionSchema, asManifest(object, ctx.apiVersion));
  if (!parsed.ok) return unreadable(parsed.issues);
  const manifest = parsed.data as PolicyExceptionManifest;
  if (manifest.spec.exceptions.length !== 1)
    return {
      refused: `it excepts ${manifest.spec.exceptions.length} policies; split it into one per policy first`,
    };
  if (ctx.nameTaken) return { refused: `a live exception is already named ${object.name}` };
  return adoption(object, manifest, ctx);
}

function adoption(
  object: ObservedException,
  manifest: PolicyExceptionManifest,
  ctx: ImportContext,
): Adoption {
  const fields = fieldsFromTemplate(manifest);
  return adopt(object, ctx, {
    scope: {
      name: object.name,
      policy: fields.policy ?? '',
      rules: fields.rules ?? [],
      kinds: fields.kinds ?? ['Pod'],
      namespaces: fields.namespaces,
      names: fields.names,
    },
    ticket: fields.ticket,
    reason: fields.reason,
    riskAssessment: fields.riskAssessment,
    expires: fields.expires,
    validations: [],
    apiVersion: kyvernoApiVersion(object.apiVersion, ctx.apiVersion),
    // Adopted with its podSecurity entries: without them the record would exempt the whole rule.
    exemptions: draftExemptions({ podSecurity: fields.podSecurity }),
  });
}

/** The kyverno.io version it was found in, so it is written back as it was; else the configured one. */
function kyvernoApiVersion(found: string, configured: ApiVersion): ApiVersion {
  const known = apiVersions.find((v) => v === found);
  if (known && !isCelApiVersion(known)) return known;
  return isCelApiVersion(configured) ? 'kyverno.io/v2' : configured;
}

/** An observed object as the manifest a schema checks, read as `apiVersion`. */
const asManifest = (object: ObservedException, apiVersion: string) => ({
  apiVersion,
  kind: 'PolicyException',
  metadata: {
    name: object.name,
    namespace: object.namespace,
    labels: object.labels,
    annotations: object.annotations,
  },
  spec: object.spec,
});

const unreadable = (issues: readonly Issue[]): ImportPlan => {
  const first = issues[0];
  return { refused: `not a PolicyException Waiver can read: ${first ? issueText(first) : 'invalid'}` };
};

/**
 * A CEL PolicyException (policies.kyverno.io) enters the process when its match conditions are the ones
 * Waiver renders: the scope it reads back, and each `waiver-validation-N` as a compensating validation,
 * so that rendering the adopted record gives the same conditions.
 */
function planCelImport(object: ObservedException, ctx: ImportContext): ImportPlan {
  const parsed = check(CelPolicyExceptionSchema, asManifest(object, object.apiVersion));
  if (!parsed.ok) return unreadable(parsed.issues);
  const { spec } = parsed.data;
  const [ref, ...more] = spec.policyRefs;
  if (!ref || more.length)
    return {
      refused: `it refers to ${spec.policyRefs.length} policies; Waiver adopts a CEL exception for exactly one (split it into one per policy first)`,
    };
  const policy = `${ref.kind}/${ref.name}`;
  if (!parseCelPolicyRef(policy))
    return {
      refused: `spec.policyRefs.0: ${policy} is not a CEL policy as Kind/name (${CEL_POLICY_KINDS.join(', ')})`,
    };
  const conditions = readCelConditions(spec.matchConditions ?? []);
  if ('issue' in conditions)
    return {
      refused: `${issueText(conditions.issue)}; request it anew (--api-version ${object.apiVersion} --policy ${policy}), then delete this one`,
    };
  if (ctx.nameTaken) return { refused: `a live exception is already named ${object.name}` };
  const properties = spec.properties ?? {};
  return adopt(object, ctx, {
    scope: { name: object.name, policy, rules: [], ...conditions.scope },
    ticket: object.annotations[ANNOTATIONS.ticket] ?? properties['ticket'],
    reason: object.annotations[ANNOTATIONS.reason] ?? properties['reason'],
    riskAssessment: object.annotations[ANNOTATIONS.riskAssessment],
    expires: spec.expiresAt ?? parseTtlLabel(object.labels[TTL_LABEL] ?? ''),
    validations: conditions.validations,
    apiVersion: apiVersions.find((v) => v === object.apiVersion) ?? 'policies.kyverno.io/v1',
    exemptions: draftExemptions({ images: spec.images, allowedValues: spec.allowedValues }),
    properties,
  });
}

/** What an import reads of the found object, whichever its kind. */
interface FoundRequest {
  /** The scope; a namespace or name list the object does not state is filled in, and listed as lacking. */
  scope: Omit<ExceptionScope, 'namespaces' | 'names'> & {
    namespaces: string[] | undefined;
    names: string[] | undefined;
  };
  ticket: string | undefined;
  reason: string | undefined;
  riskAssessment: string | undefined;
  /** The expiry it states, if any (RFC 3339). */
  expires: string | undefined;
  validations: string[];
  apiVersion: ApiVersion;
  exemptions: Exemptions;
  /** A CEL exception's `spec.properties`, which may carry the category and requestor. */
  properties?: Record<string, string>;
}

/**
 * The adoption of what the object says, with defaults for what it does not say, each listed in `lacks`:
 * the importer approved and applied it, now.
 */
function adopt(object: ObservedException, ctx: ImportContext, found: FoundRequest): Adoption {
  const lacks: string[] = [];
  const need = <T>(value: T | undefined, field: string, fallback: T): T => {
    if (value !== undefined) return value;
    lacks.push(field);
    return fallback;
  };
  const properties = found.properties ?? {};
  const category = object.annotations[ANNOTATIONS.category] ?? properties['category'];
  const latest = ctx.nowMs + ctx.maxDays * DAY_MS;
  const stated = found.expires === undefined ? NaN : Date.parse(found.expires);
  const scope: ExceptionScope = {
    ...found.scope,
    namespaces: need(found.scope.namespaces, 'namespaces', ['*']),
    names: need(found.scope.names, 'names', ['*']),
  };
  if (Number.isNaN(stated)) lacks.push('expiry');
  const now = toRfc3339(ctx.nowMs);
  const { record } = newRequest({
    scope,
    justification: {
      category: need(
        categories.includes(category as Category) ? (category as Category) : undefined,
        'category',
        'legacy-migration',
      ),
      ticket: need(found.ticket, 'ticket', 'UNKNOWN'),
      reason: need(
        found.reason,
        'justification',
        'Imported without a justification: adopted as found in the cluster',
      ),
      riskAssessment: found.riskAssessment ?? null,
      riskRating: null,
      compensatingControls: null,
      validations: found.validations,
      falsePositive: null,
      expiresAt: toRfc3339(Number.isNaN(stated) ? latest : Math.min(stated, latest)),
    },
    requestor: need(
      object.annotations[ANNOTATIONS.requestor] ?? properties['requestor'],
      'requestor',
      'unknown',
    ),
    now,
    apiVersion: found.apiVersion,
    target: ctx.target,
    exemptions: found.exemptions,
  });
  // Adopting a bypass is accepting its risk: the importer approved and applied it, now.
  const adopted: NewExceptionRecord = {
    ...record,
    state: 'active',
    syncStatus: 'pending',
    approver: ctx.importer,
    applier: ctx.importer,
    approvedAt: now,
    appliedAt: now,
  };
  return { record: adopted, lacks, originalExpiry: Number.isNaN(stated) ? null : toRfc3339(stated) };
}
