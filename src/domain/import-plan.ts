import {
  categories,
  isCelApiVersion,
  type ApiVersion,
  type Category,
  type NewExceptionRecord,
} from './exception.js';
import { ANNOTATIONS, type PolicyExceptionManifest } from './manifest.js';
import { PolicyExceptionSchema } from './manifest-schema.js';
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
  if (isCelApiVersion(object.apiVersion)) {
    const refs =
      (object.spec as { policyRefs?: { kind?: string; name?: string }[] } | undefined)?.policyRefs ?? [];
    const policy = refs.map((r) => `${r.kind ?? ''}/${r.name ?? ''}`).join(', ') || 'its policy';
    return {
      refused: `a CEL PolicyException's scope is CEL, which Waiver does not read back into namespaces and names: request it anew (--api-version policies.kyverno.io/v1 --policy ${policy}), then delete this one`,
    };
  }
  const parsed = check(PolicyExceptionSchema, {
    apiVersion: ctx.apiVersion,
    kind: 'PolicyException',
    metadata: {
      name: object.name,
      namespace: object.namespace,
      labels: object.labels,
      annotations: object.annotations,
    },
    spec: object.spec,
  });
  if (!parsed.ok) {
    const first = parsed.issues[0];
    return { refused: `not a PolicyException Waiver can read: ${first ? issueText(first) : 'invalid'}` };
  }
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
  const lacks: string[] = [];
  const need = <T>(value: T | undefined, field: string, fallback: T): T => {
    if (value !== undefined) return value;
    lacks.push(field);
    return fallback;
  };
  const category = object.annotations[ANNOTATIONS.category];
  const latest = ctx.nowMs + ctx.maxDays * DAY_MS;
  const stated = fields.expires === undefined ? NaN : Date.parse(fields.expires);
  if (Number.isNaN(stated)) lacks.push('expiry');
  const now = toRfc3339(ctx.nowMs);
  const { record } = newRequest({
    scope: {
      name: object.name,
      policy: fields.policy ?? '',
      rules: fields.rules ?? [],
      kinds: fields.kinds ?? ['Pod'],
      namespaces: need(fields.namespaces, 'namespaces', ['*']),
      names: need(fields.names, 'names', ['*']),
    },
    justification: {
      category: need(
        categories.includes(category as Category) ? (category as Category) : undefined,
        'category',
        'legacy-migration',
      ),
      ticket: need(fields.ticket, 'ticket', 'UNKNOWN'),
      reason: need(
        fields.reason,
        'justification',
        'Imported without a justification: adopted as found in the cluster',
      ),
      riskAssessment: fields.riskAssessment ?? null,
      riskRating: null,
      compensatingControls: null,
      validations: [],
      falsePositive: null,
      expiresAt: toRfc3339(Number.isNaN(stated) ? latest : Math.min(stated, latest)),
    },
    requestor: need(object.annotations[ANNOTATIONS.requestor], 'requestor', 'unknown'),
    now,
    apiVersion: ctx.apiVersion,
    target: ctx.target,
    // Adopted with its podSecurity entries: without them the record would exempt the whole rule.
    exemptions: draftExemptions({ podSecurity: fields.podSecurity }),
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
