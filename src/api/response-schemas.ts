import * as z from 'zod';
import type { AuditEvent } from '../domain/audit.js';
import { apiVersions, categories, endReasons, states, syncStatuses } from '../domain/exception.js';
import { closureReasons, controlCatalogs, RISK_SCALE } from '../domain/controls.js';
import { errorCodes } from '../domain/errors.js';
import { queues } from '../domain/review-queue.js';
import type { ReviewQueue } from '../service/review-queue.js';
import { notificationEvents } from '../domain/notification.js';
import type { NotificationView, RetryReport } from '../service/notification-outbox.js';
import { notificationStates } from '../domain/notification-delivery.js';
import { auditActions } from '../domain/lifecycle.js';
import { batchActions, type BatchReport } from '../service/batch-actions.js';
import type { Metrics } from '../domain/metrics.js';
import type { ProcessSettings } from '../domain/settings.js';
import { roles, type Role } from '../domain/roles.js';
import type { ExceptionView } from '../domain/view.js';
import type { AuditReport } from '../domain/audit-report.js';
import type { AuditHead } from '../service/audit-checkpoint.js';
import type { AuditPage, VerifyResult } from '../service/audit-trail.js';
import type { DoctorReport } from '../service/check-cluster.js';
import type { ImportReport } from '../service/import-exceptions.js';
import type { LintReport } from '../domain/lint-report.js';
import type { CoverageReport } from '../service/exception-coverage.js';
import { evidenceFlags, type ExceptionEvidence } from '../domain/report-evidence.js';
import type { ExceptionDetail, ExceptionPage } from '../service/list-exceptions.js';
import type { ApiToken } from '../domain/api-token.js';
import type { ReconcileReport, UnmanagedException } from '../service/reconcile.js';
import type { SweepReport } from '../service/sweep.js';
import type { CreatedToken } from '../service/tokens.js';
import type { ActionResult } from '../service/waiver.js';
import { targetKinds } from '../domain/target-kind.js';
import type { TargetView } from '../service/list-targets.js';
import type { PolicyCatalog } from '../service/list-policies.js';
import type { ViolationList } from '../service/list-violations.js';
import type { RequestOrigin, ViolationDraft } from '../domain/violation-draft.js';
import {
  OverlapReportSchema,
  RequestOriginSchema,
  ViolationDraftSchema,
} from '../domain/request-origin-schema.js';
import type { OverlapReport } from '../service/exception-coverage.js';

/**
 * What the API answers with on success. OpenAPI describes these; the types below make the compiler
 * check that each schema says exactly what the service returns, and the API tests parse every answer.
 */

const instant = z.string().describe('RFC3339 instant');
const riskScore = z.strictObject({ likelihood: z.number().int(), impact: z.number().int() });
const RiskRatingViewSchema = z.strictObject({ before: riskScore, after: riskScore.nullable() });
const nullableInstant = instant.nullable();
const idText = z.string().describe('EX-42');

export const ExceptionViewSchema = z
  .strictObject({
    id: idText,
    name: z.string(),
    state: z.enum(states),
    policy: z.string(),
    rules: z.array(z.string()),
    kinds: z.array(z.string()),
    namespaces: z.array(z.string()),
    names: z.array(z.string()),
    category: z.enum(categories),
    ticket: z.string(),
    reason: z.string(),
    riskAssessment: z.string().nullable(),
    expiresAt: instant,
    riskRating: RiskRatingViewSchema.nullable().describe(
      `likelihood and impact, ${RISK_SCALE.min} (rare, negligible) to ${RISK_SCALE.max} (almost certain, severe), before and after the compensating controls`,
    ),
    compensatingControls: z.string().nullable(),
    validations: z
      .array(z.string())
      .describe(
        "CEL a CEL exception's resource must satisfy before Kyverno grants it (compensating controls)",
      ),
    falsePositive: z
      .string()
      .nullable()
      .describe("the requester's statement that the policy's finding is a false positive here, and why"),
    controls: z
      .array(z.strictObject({ catalog: z.enum(controlCatalogs), id: z.string() }))
      .describe('the controls its policy implements, as mapped when it was requested'),
    podSecurity: z
      .array(
        z.strictObject({
          controlName: z.string(),
          images: z.array(z.string()),
          restrictedField: z.string().nullable(),
          values: z.array(z.string()),
        }),
      )
      .describe('the Pod Security controls it exempts (kyverno.io); none: the whole rule'),
    images: z.array(z.string()).describe('a CEL exception: the images it lends the policy'),
    allowedValues: z.array(z.string()).describe('a CEL exception: the values it lends the policy'),
    endReason: z.enum(endReasons).nullable(),
    closureReason: z.enum(closureReasons).nullable().describe('why it ended, once it has'),
    syncStatus: z.enum(syncStatuses),
    syncError: z.string().nullable(),
    requestor: z.string(),
    approver: z.string().nullable(),
    applier: z.string().nullable(),
    requestedAt: instant,
    approvedAt: nullableInstant,
    appliedAt: nullableInstant,
    removedAt: nullableInstant,
    remindedAt: nullableInstant,
    escalatedAt: nullableInstant,
    renewalOf: idText.nullable(),
    renewalCount: z.number().int(),
    apiVersion: z.enum(apiVersions),
    target: z.string().describe('the named target it lives on, fixed at request time'),
    syncRevision: z
      .string()
      .nullable()
      .describe("the last confirmed write or delete: a commit SHA, or the cluster object's resourceVersion"),
    syncUrl: z
      .string()
      .nullable()
      .describe('the pull or merge request carrying the last change (pull-request mode)'),
    escalated: z.boolean(),
  })
  .describe('An exception as shown: its scope, justification, lifecycle and sync status');

export const ActionResultSchema = z
  .strictObject({
    exception: ExceptionViewSchema,
    superseded: ExceptionViewSchema.exactOptional().describe('the exception a renewal replaced, on apply'),
    overlap: z
      .lazy(() => OverlapReportSchema)
      .exactOptional()
      .describe('on request, on a cluster target: the active exceptions for the same policy it overlaps'),
    origin: z
      .lazy(() => RequestOriginSchema)
      .exactOptional()
      .describe(
        'on a request drafted from a violation: the draft, and what the filed scope widened or narrowed',
      ),
  })
  .describe('The exception after a lifecycle action');

const BatchErrorSchema = z.strictObject({
  code: z.enum(errorCodes),
  message: z.string(),
  field: z.string().exactOptional(),
});

export const BatchReportSchema = z
  .strictObject({
    action: z.enum([...batchActions, 'request']),
    items: z.array(
      z.discriminatedUnion('ok', [
        z.strictObject({
          ref: z.string(),
          ok: z.literal(true),
          exception: ExceptionViewSchema,
          superseded: ExceptionViewSchema.exactOptional(),
        }),
        z.strictObject({ ref: z.string(), ok: z.literal(false), error: BatchErrorSchema }),
      ]),
    ),
  })
  .describe('One item per id, in the order given: the exception after the action, or why it was refused');

export const ExceptionPageSchema = z.strictObject({
  items: z.array(ExceptionViewSchema),
  continue: z.string().exactOptional().describe('present when more may follow: pass it for the next page'),
});

export const AuditEventSchema = z.strictObject({
  seq: z.number().int(),
  at: instant,
  actor: z.string(),
  action: z.enum(auditActions),
  exceptionId: z.number().int().nullable(),
  data: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

export const AuditPageSchema = z.strictObject({
  items: z.array(AuditEventSchema),
  continue: z.string().exactOptional().describe('present when more may follow: pass it for the next page'),
});

export const ExceptionDetailSchema = z.strictObject({
  exception: ExceptionViewSchema,
  history: z.array(AuditEventSchema),
  origin: z
    .lazy(() => RequestOriginSchema)
    .nullable()
    .describe('the violation it was drafted from (null: typed by hand)'),
  overlap: z
    .lazy(() => OverlapReportSchema)
    .nullable()
    .describe('the active exceptions for the same policy it overlaps (null: not on a cluster)'),
});

export const VerifyResultSchema = z.strictObject({
  intact: z.literal(true),
  events: z.number().int().describe('events verified'),
});

export const AuditHeadSchema = z.strictObject({
  seq: z.number().int().describe('the newest event (0: none yet)'),
  hash: z.string().describe('its hash'),
});

const metricTarget = z.strictObject({
  value: z.number().nullable(),
  target: z.number(),
  comparison: z.enum(['<', '<=', '>=']),
  meets: z.boolean(),
});

export const ReviewQueueSchema = z
  .strictObject({
    items: z.array(
      z.strictObject({
        queue: z.enum(queues),
        id: idText,
        name: z.string(),
        namespaces: z.array(z.string()),
        policy: z.string(),
        requestor: z.string(),
        since: instant,
        ageSeconds: z.number().int(),
        renewalCount: z.number().int(),
        why: z.string().describe('why it waits, and what may be done'),
        commands: z.array(z.string()).describe('the CLI commands for what may be done'),
        reason: z.string().describe('the justification given with the request'),
      }),
    ),
  })
  .describe('What waits for a person now, queue by queue, oldest first');

export const NotificationListSchema = z
  .strictObject({
    items: z.array(
      z.strictObject({
        id: z.number().int(),
        key: z.string().describe('the idempotency key: one notification per event and channel'),
        channel: z.string(),
        event: z.enum(notificationEvents),
        exceptionId: idText.nullable(),
        recipients: z.array(z.string()),
        state: z.enum(notificationStates),
        attempts: z.number().int(),
        nextAttemptAt: instant,
        lastError: z.string().nullable(),
        createdAt: instant,
        sentAt: nullableInstant,
        tries: z.array(
          z.strictObject({
            at: instant,
            channel: z.string(),
            status: z.enum(['sent', 'failed']),
            error: z.string().nullable(),
          }),
        ),
      }),
    ),
  })
  .describe('The outbox, newest first');

export const RetryReportSchema = z.strictObject({
  retried: z.array(z.number().int()),
  refused: z.array(z.strictObject({ id: z.number().int(), reason: z.string() })),
});

export const ActorSchema = z
  .strictObject({ name: z.string(), roles: z.array(z.enum(roles)) })
  .describe('An authenticated identity and its roles');

export const ProcessSettingsSchema = z
  .strictObject({
    exceptionNamespace: z.string(),
    kyvernoNamespace: z.string(),
    apiVersion: z.enum(apiVersions),
    defaultPolicy: z.string(),
    defaultRules: z.array(z.string()),
    maxDays: z.number(),
    maxDaysByCategory: z.partialRecord(z.enum(categories), z.number()),
    reminderDays: z.number(),
    minReasonLength: z.number(),
    minNamePrefix: z.number(),
    ticketPattern: z.string(),
    incidentTicketPrefixes: z.array(z.string()),
    invalidReasons: z.array(
      z.strictObject({
        phrase: z.string(),
        rule: z.string(),
        allowedFor: z.array(z.enum(categories)).optional(),
      }),
    ),
    protectedNamespaces: z.array(z.string()),
    requireDistinctApplier: z.boolean(),
    identitiesIgnoreCase: z.boolean(),
    maxRenewals: z.number(),
    unusedDays: z.number(),
    controls: z.record(
      z.string(),
      z.array(z.strictObject({ catalog: z.enum(controlCatalogs), id: z.string() })),
    ),
    autoRevokeNoLongerNeeded: z.boolean(),
    kyvernoExceptionNamespace: z.string().optional(),
    metrics: z.strictObject({
      windowDays: z.number(),
      targetAverageDays: z.number(),
      targetRenewalRate: z.number(),
      targetExpiredRemovedRate: z.number(),
      removalGraceMinutes: z.number(),
      trendWeeks: z.number(),
    }),
  })
  .describe("The process's rules as this server runs them: what the guardrails check a request against");

export const MetricsSchema = z.strictObject({
  at: instant,
  windowDays: z.number(),
  activeExceptions: z.number().int(),
  averageDurationDays: z.number().nullable(),
  expiredRemovedRate: z.number().nullable(),
  removalLatency: z.strictObject({
    medianSeconds: z.number().nullable(),
    maxSeconds: z.number().nullable(),
    outstanding: z.number().int(),
    warning: z.string().nullable(),
  }),
  renewalRate: z.number().nullable(),
  trend: z.strictObject({ slope: z.number(), weekly: z.array(z.number()), weeks: z.array(z.string()) }),
  redFlag: z.boolean(),
  targets: z.strictObject({
    averageDurationDays: metricTarget,
    expiredRemovedRate: metricTarget,
    renewalRate: metricTarget,
    trend: metricTarget,
  }),
  counts: z.strictObject({
    endedInWindow: z.number().int(),
    expiredInWindow: z.number().int(),
    removedAfterExpiry: z.number().int(),
    renewed: z.number().int(),
  }),
});

const failure = z.strictObject({ id: z.string(), error: z.string() });

export const SweepReportSchema = z.strictObject({
  at: instant,
  reminded: z.array(z.string()),
  expired: z.array(z.string()),
  written: z.array(z.string()),
  deleted: z.array(z.string()),
  removed: z
    .array(
      z.strictObject({
        id: idText,
        name: z.string(),
        target: z.string(),
        proposal: z.string().exactOptional().describe('the pull request that removes it once merged'),
      }),
    )
    .describe('each PolicyException taken off its target, with its name and target'),
  failed: z.array(failure),
  skipped: z.array(z.strictObject({ id: z.string(), reason: z.string() })),
  merged: z.array(z.string()).describe('changes whose pull request was found merged'),
  noLongerNeeded: z
    .array(z.string())
    .describe('exceptions in effect whose every covered resource would now pass without them'),
  revokedNoLongerNeeded: z
    .array(z.string())
    .describe('those revoked for it, where autoRevokeNoLongerNeeded is on'),
  leaseHeldElsewhere: z.literal(true).exactOptional().describe('another replica holds the sweep lease'),
});

export const LintReportSchema = z.strictObject({
  files: z.number().int(),
  exceptions: z.number().int().describe('PolicyExceptions read; 0 says nothing was checked'),
  errors: z.number().int(),
  warnings: z.number().int(),
  findings: z.array(
    z.strictObject({
      file: z.string(),
      object: z.string(),
      rule: z.string(),
      severity: z.enum(['error', 'warning']),
      message: z.string(),
    }),
  ),
});

/** A Kubernetes object by identity, as covers and the policy reports name it. */
const resourceIdentity = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
});

export const CoverageReportSchema = z.strictObject({
  exception: z.string().describe('EX-42, or preview for a request not filed yet'),
  items: z.array(
    z.strictObject({
      resource: resourceIdentity,
      policy: z.string(),
      rule: z.string(),
      covered: z.union([z.boolean(), z.literal('unknown')]),
      exceptions: z.array(z.string()).describe('namespace/name of the PolicyExceptions that cover it'),
      why: z.string(),
      withoutException: z
        .strictObject({ verdict: z.enum(['would-fail', 'would-pass', 'unknown']), why: z.string() })
        .exactOptional()
        .describe('what the rule says of the resource with no exception in play (when the policy is known)'),
    }),
  ),
  checked: z.number().int().describe('resource and rule pairs checked'),
  notCovered: z.number().int(),
  kinds: z.array(z.string()).describe('apiVersion/Kind read from the cluster'),
  namespaces: z.array(z.string()).describe('namespaces read; empty: all'),
  notes: z.array(z.string()),
  exemption: z
    .strictObject({
      resources: z.number().int(),
      alreadyPass: z.number().int(),
      stillFail: z.number().int(),
      unknown: z.number().int(),
      noun: z.string(),
    })
    .exactOptional()
    .describe('the resources exempted and how many of them already pass without the exception'),
});

const evidenceEntry = z.strictObject({
  resource: resourceIdentity,
  policy: z.string(),
  rule: z.string(),
  seenAt: z.string().nullable(),
});

export const ExceptionEvidenceSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    state: z.string(),
    exempted: z.array(evidenceEntry).describe('resources the policy reports show it letting through now'),
    lastSeen: instant.nullable(),
    failing: z
      .array(evidenceEntry)
      .describe('resources it covers that fail a rule it names, while in effect'),
    withoutException: z
      .array(
        z.strictObject({
          resource: resourceIdentity,
          policy: z.string(),
          rule: z.string(),
          verdict: z.enum(['would-fail', 'would-pass', 'unknown']),
          why: z.string(),
        }),
      )
      .describe(
        'each resource it covers in the cluster now, and whether its policy would fail it without the exception',
      ),
    flags: z.array(
      z.strictObject({
        flag: z.enum(evidenceFlags),
        why: z.string(),
      }),
    ),
  })
  .describe("What Kyverno's policy reports prove about an exception");

const coverageVerdict = z.union([z.boolean(), z.literal('unknown')]);

export const ViolationListSchema = z
  .strictObject({
    items: z.array(
      z.strictObject({
        target: z.string().describe('the cluster target whose reports hold it'),
        resource: resourceIdentity,
        owner: z
          .strictObject({
            kind: z.string(),
            name: z.string(),
            chain: z
              .array(z.strictObject({ kind: z.string(), name: z.string() }))
              .describe('controller ownerReferences from the resource up'),
            podTemplateHash: z.string().nullable(),
            complete: z.boolean().describe('the top-most owner is in the cluster (false: it is gone)'),
          })
          .nullable()
          .describe('the top-most controller (null: a bare resource, or not in the cluster)'),
        policy: z.string().describe('as a request names it (Kind/name for a CEL policy)'),
        rules: z.array(
          z.strictObject({
            rule: z.string(),
            result: z.enum(['fail', 'error']),
            message: z.string(),
            seenAt: nullableInstant,
            covered: coverageVerdict.describe('an exception in effect already lets it through'),
            exceptions: z.array(z.string()).describe('namespace/name of those that do (or may)'),
          }),
        ),
        lastSeen: nullableInstant,
        covered: coverageVerdict.describe('every failing rule is covered'),
        sources: z.array(z.string()).describe('the report apiVersions the results came from'),
      }),
    ),
    notes: z.array(z.string()),
  })
  .describe("The failing results of the clusters' policy reports, by resource and policy");

export const EvidenceListSchema = z.strictObject({ items: z.array(ExceptionEvidenceSchema) });

export const UnmanagedExceptionSchema = z.strictObject({
  target: z.string(),
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  policies: z.array(z.string()),
  inExceptionNamespace: z.boolean().describe('Kyverno reads exceptions only from its exception namespace'),
});

export const UnmanagedListSchema = z.strictObject({ items: z.array(UnmanagedExceptionSchema) });

export const ReconcileReportSchema = z.strictObject({
  at: instant,
  created: z.array(z.string()),
  restored: z.array(z.string()),
  deleted: z.array(z.string()),
  unmanaged: z.array(UnmanagedExceptionSchema),
  failed: z.array(failure),
});

const importItem = z.strictObject({
  target: z.string(),
  namespace: z.string(),
  name: z.string(),
  id: z.string().exactOptional(),
  lacks: z.array(z.string()),
  expiresAt: z.string().exactOptional(),
  refused: z.string().exactOptional(),
});

export const ImportReportSchema = z.strictObject({
  dryRun: z.boolean(),
  imported: z.array(importItem),
  refused: z.array(importItem),
});

export const DoctorReportSchema = z.strictObject({
  findings: z.array(
    z.strictObject({
      target: z.string().exactOptional().describe('the cluster target checked'),
      check: z.string(),
      status: z.enum(['ok', 'warn', 'fail']),
      message: z.string(),
      fix: z.string().exactOptional(),
    }),
  ),
  failed: z.number().int(),
});

export const ApiTokenSchema = z.strictObject({
  id: z.string(),
  owner: z.string(),
  roles: z.array(z.enum(roles)),
  description: z.string(),
  createdAt: instant,
  createdBy: z.string(),
  expiresAt: nullableInstant,
  revokedAt: nullableInstant,
});

export const TargetListSchema = z
  .strictObject({
    items: z.array(
      z.strictObject({
        name: z.string(),
        kind: z.enum(targetKinds),
        description: z.string().describe('what and where it is (never its credentials)'),
        default: z.boolean().describe('the target a request gets when it names none'),
        cluster: z
          .boolean()
          .describe('its cluster can be read: blast radius (covers) and evidence work here'),
        observable: z
          .boolean()
          .describe('it can be read back: drift and unmanaged exceptions are found here'),
      }),
    ),
  })
  .describe('The configured targets');

export const PolicyCatalogSchema = z
  .strictObject({
    target: z.string().describe('the target asked about (the default target when none was named)'),
    kind: z.enum(targetKinds),
    source: z
      .enum(['cluster', 'configuration'])
      .describe("cluster: the target's own policies; configuration: what the configuration names"),
    items: z.array(
      z.strictObject({
        name: z.string().describe('as a request names it: name, namespace/name (Policy) or Kind/name (CEL)'),
        kind: z.string().describe('ClusterPolicy, Policy, or a CEL policy kind'),
        cel: z.boolean().describe('excepted whole by a policies.kyverno.io PolicyException; no rules'),
        rules: z
          .array(z.strictObject({ name: z.string(), kinds: z.array(z.string()) }))
          .nullable()
          .describe('the rules as written (a request adds the autogen ones); null when not known'),
      }),
    ),
    notes: z.array(z.string()).describe('what limits the answer'),
  })
  .describe('The policies and rules a request for the target may name');

export const TokenListSchema = z.strictObject({ items: z.array(ApiTokenSchema) });

export const CreatedTokenSchema = z.strictObject({
  token: ApiTokenSchema,
  secret: z.string().describe('shown once; only its hash is stored'),
});

/** Compile-time proof that a schema's output is exactly the service's type, in both directions. */
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const exactly = <T extends true>(): T | undefined => undefined;

const TallySchema = z.strictObject({ opened: z.number().int(), closed: z.number().int() });

export const AuditReportSchema = z
  .strictObject({
    period: z.strictObject({ from: instant.optional(), to: instant }),
    byCategory: z.record(z.string(), TallySchema),
    byPolicy: z.record(z.string(), TallySchema),
    byControl: z.record(z.string(), TallySchema).describe('keyed `catalog id`, e.g. `nist-800-53-rev5 si-7`'),
    closures: z.record(z.enum(closureReasons), z.number().int()),
    renewals: z.strictObject({ requested: z.number().int(), applied: z.number().int() }),
    duties: z.strictObject({
      applied: z.number().int(),
      requesterNotApprover: z.number().int(),
      approverNotApplier: z.number().int(),
      allThreeDistinct: z.number().int(),
      rejected: z.number().int(),
      withdrawn: z.number().int(),
    }),
    metrics: MetricsSchema,
    verification: z.strictObject({ intact: z.boolean(), events: z.number().int(), message: z.string() }),
    checkpoint: z.strictObject({ status: z.enum(['verified', 'failed', 'not-given']), message: z.string() }),
  })
  .describe('The audit report of a period');

exactly<Exactly<z.output<typeof ExceptionViewSchema>, ExceptionView>>();
exactly<Exactly<z.output<typeof AuditReportSchema>, AuditReport>>();
exactly<Exactly<z.output<typeof ActionResultSchema>, ActionResult>>();
exactly<Exactly<z.output<typeof BatchReportSchema>, BatchReport>>();
exactly<Exactly<z.output<typeof ExceptionPageSchema>, ExceptionPage>>();
exactly<Exactly<z.output<typeof AuditEventSchema>, AuditEvent>>();
exactly<Exactly<z.output<typeof AuditPageSchema>, AuditPage>>();
exactly<Exactly<z.output<typeof ExceptionDetailSchema>, ExceptionDetail>>();
exactly<Exactly<Omit<z.output<typeof VerifyResultSchema>, 'intact'>, VerifyResult>>();
exactly<Exactly<z.output<typeof MetricsSchema>, Metrics>>();
exactly<Exactly<z.output<typeof ProcessSettingsSchema>, ProcessSettings>>();
exactly<Exactly<z.output<typeof TargetListSchema>, { items: TargetView[] }>>();
exactly<Exactly<z.output<typeof PolicyCatalogSchema>, PolicyCatalog>>();
exactly<Exactly<z.output<typeof ActorSchema>, { name: string; roles: Role[] }>>();
exactly<Exactly<z.output<typeof ReviewQueueSchema>, ReviewQueue>>();
exactly<Exactly<z.output<typeof NotificationListSchema>, { items: NotificationView[] }>>();
exactly<Exactly<z.output<typeof RetryReportSchema>, RetryReport>>();
exactly<Exactly<z.output<typeof AuditHeadSchema>, AuditHead>>();
exactly<Exactly<z.output<typeof SweepReportSchema>, SweepReport>>();
exactly<Exactly<z.output<typeof LintReportSchema>, LintReport>>();
exactly<Exactly<z.output<typeof UnmanagedExceptionSchema>, UnmanagedException>>();
exactly<Exactly<z.output<typeof ReconcileReportSchema>, ReconcileReport>>();
exactly<Exactly<z.output<typeof ImportReportSchema>, ImportReport>>();
exactly<Exactly<z.output<typeof DoctorReportSchema>, DoctorReport>>();
exactly<Exactly<z.output<typeof ApiTokenSchema>, ApiToken>>();
exactly<Exactly<z.output<typeof CreatedTokenSchema>, CreatedToken>>();
exactly<Exactly<z.output<typeof ExceptionEvidenceSchema>, ExceptionEvidence>>();
exactly<Exactly<z.output<typeof CoverageReportSchema>, CoverageReport>>();
exactly<Exactly<z.output<typeof ViolationListSchema>, ViolationList>>();
exactly<Exactly<z.output<typeof ViolationDraftSchema>, ViolationDraft>>();
exactly<Exactly<z.output<typeof RequestOriginSchema>, RequestOrigin>>();

export { RequestOriginSchema, ViolationDraftSchema };
exactly<Exactly<z.output<typeof OverlapReportSchema>, OverlapReport>>();
