import * as z from 'zod';
import { revokeClosures } from '../domain/controls.js';
import { oscalModels } from '../domain/oscal.js';
import { apiVersions, states } from '../domain/exception.js';
import { auditActions } from '../domain/lifecycle.js';
import { batchActions, MAX_BATCH } from '../service/batch-actions.js';
import { RenewInputSchema, RequestInputSchema, TokenInputSchema } from '../service/inputs.js';
import { notificationStates } from '../domain/notification-delivery.js';

/** Everything the API validates, in one place: the routes parse with these, OpenAPI is generated from them. */

// Parsed with the CLI's flags by one parser (list-filter.ts); here only their size is bounded.
const stateList = z
  .string()
  .max(200)
  .describe(`comma-separated states: ${states.join(', ')}`);

/** Where the next page starts: the `continue` of the previous one. */
const continueToken = z
  .string()
  .regex(/^\d{1,15}$/, 'must be the continue value of the previous page')
  .optional()
  .describe('the continue value of the previous page');

/** A page size within `max`. */
const pageSize = (max: number, fallback: number, note = '') => {
  // One rule for every way a size can be wrong: "abc", 1.5, 0 and 100000 alike.
  const rule = { error: `must be a whole number from 1 to ${max}` };
  return z.coerce
    .number(rule)
    .int(rule)
    .min(1, rule)
    .max(max, rule)
    .default(fallback)
    .describe(`page size (1-${max}, default ${fallback})${note}`);
};

export const ListQuerySchema = z.strictObject({
  namespace: z.string().max(253).optional().describe('only exceptions for this target namespace'),
  policy: z.string().max(253).optional().describe('only exceptions to this policy'),
  category: z.string().max(40).optional().describe('only exceptions of this category'),
  target: z.string().max(253).optional().describe('only exceptions on this named target'),
  search: z.string().max(200).optional().describe('text in the name, ticket, requestor or reason (any case)'),
  sort: z.string().max(20).optional().describe('id (the default), newest, or expiry (soonest first)'),
  state: stateList.optional(),
  expiringWithin: z
    .string()
    .max(20)
    .optional()
    .describe('a duration such as 7d: active and expiring by then'),
  limit: pageSize(500, 100),
  continue: continueToken,
});

export const CommentSchema = z.strictObject({
  comment: z.string().max(2000).optional().describe('why; required for reject and escalate'),
});

export const RevokeBodySchema = CommentSchema.extend({
  closure: z
    .enum(revokeClosures)
    .optional()
    .describe('why it ends early: revoked (default), no-longer-needed, or escalated (into a policy change)'),
});

export const BatchBodySchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.enum(batchActions).describe('what to do to every exception named'),
    ids: z
      .array(z.string().min(1).max(300))
      .min(1)
      .max(MAX_BATCH)
      .describe(`EX-42, 42 or names; at most ${MAX_BATCH}`),
    comment: z.string().max(2000).optional().describe('one comment for all of them; required for reject'),
  }),
  z.strictObject({
    action: z.literal('request').describe('create every exception requested, or none'),
    requests: z
      .array(RequestInputSchema)
      .min(1)
      .max(MAX_BATCH)
      .describe(`requests as POST /api/v1/exceptions takes them; at most ${MAX_BATCH}`),
  }),
]);

export const ManifestQuerySchema = z.strictObject({ apiVersion: z.enum(apiVersions).optional() });

export const AuditQuerySchema = z.strictObject({
  exception: z.string().max(300).optional().describe('only events of this exception (EX-42, 42 or name)'),
  action: z.enum(auditActions).optional().describe('only events with this action'),
  actor: z.string().max(254).optional().describe('only events by this identity'),
  since: z.iso.datetime({ offset: true }).optional().describe('only events at or after this instant'),
  until: z.iso.datetime({ offset: true }).optional().describe('only events before this instant'),
  format: z.enum(['json', 'jsonl', 'csv']).default('json'),
  limit: pageSize(1000, 500, ' for json; jsonl and csv stream every page'),
  continue: continueToken,
});

export const OscalQuerySchema = z.strictObject({
  model: z.enum(oscalModels).describe('poam (plan of action and milestones) or assessment-results'),
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('only exceptions in force or requested at or after this instant'),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('only exceptions requested, and events, before this instant; statuses as they stood then'),
});

export const ReportQuerySchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional().describe('the period starts at this instant'),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('the period ends at this instant (default now); the metrics are as of it'),
  format: z.enum(['json', 'html', 'md']).default('json').describe('json, a printable HTML page, or Markdown'),
});

export const MetricsQuerySchema = z.strictObject({
  at: z.iso.datetime({ offset: true }).optional().describe('compute as of this instant (default now)'),
});

export const NotificationsQuerySchema = z.strictObject({
  state: z.enum(notificationStates).optional().describe('only notifications in this state'),
  limit: pageSize(1000, 100, ', newest first'),
});

export const RetryBodySchema = z.strictObject({
  ids: z.array(z.number().int().positive()).min(1).max(1000).describe('dead notifications to try again'),
});

export const ReviewQuerySchema = z.strictObject({
  all: z
    .enum(['true', 'false'])
    .optional()
    .describe('every queue, not only those of the roles of the caller'),
});

export const LintBodySchema = z.strictObject({
  sources: z
    .array(z.strictObject({ file: z.string().min(1).max(300), text: z.string().max(1_000_000) }))
    .min(1)
    .max(500),
});

/** The body of an action that takes no input: nothing, or `{}`; anything else is a mistake worth naming. */
const targetName = z.string().min(1).max(253).describe('only this named target (default: every one)');

export const EvidenceQuerySchema = z.strictObject({
  reportsFrom: z
    .string()
    .min(1)
    .max(253)
    .describe(
      'for exceptions on a Git or folder target: the cluster target whose policy reports speak of them (the cluster their manifests reach)',
    )
    .optional(),
});

export const ImportBodySchema = z.strictObject({
  dryRun: z.boolean().default(false).describe('show what would be imported, change nothing'),
  target: targetName.optional(),
});

/** Which target's policies: the one a request would live on. */
export const PoliciesQuerySchema = z.strictObject({
  target: z
    .string()
    .min(1)
    .max(253)
    .describe('the target a request would live on (default: the default target)')
    .optional(),
});

/** A body or query that may narrow the work to one named target. */
/** Which violations: one namespace, one policy, one cluster target (each: all when absent). */
export const ViolationsQuerySchema = z.strictObject({
  namespace: z.string().min(1).max(253).describe('only resources in this namespace').optional(),
  policy: z
    .string()
    .min(1)
    .max(300)
    .describe('only this policy (as the report names it, or Kind/name for a CEL policy)')
    .optional(),
  target: targetName.optional(),
});

/** Which violation a draft is made from. */
export const DraftQuerySchema = z.strictObject({
  resource: z.string().min(1).max(600).describe('the failing resource as KIND/NAMESPACE/NAME'),
  policy: z.string().min(1).max(300).describe('the policy it fails'),
  rules: z
    .string()
    .max(2000)
    .describe('comma-separated: only these of its failing rules (default: all)')
    .optional(),
  target: targetName.optional(),
});

export const TargetScopeSchema = z.strictObject({ target: targetName.optional() });

export const ErrorSchema = z.object({
  code: z.string().describe('stable error code'),
  message: z.string().describe('for humans'),
  field: z.string().optional().describe('the offending input'),
  issues: z.array(z.object({ code: z.string(), field: z.string(), message: z.string() })).optional(),
});

export { RenewInputSchema, RequestInputSchema, TokenInputSchema };
