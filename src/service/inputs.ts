import * as z from 'zod';
import { falsePositiveProblem, RISK_SCALE, riskAfterProblem } from '../domain/controls.js';
import { apiVersions, categories } from '../domain/exception.js';
import { roles } from './actor.js';

const text = z.string().max(10_000);
const list = z.array(z.string().max(300)).max(100);

const riskPoint = z
  .number()
  .int()
  .min(RISK_SCALE.min)
  .max(RISK_SCALE.max)
  .describe(`${RISK_SCALE.min} (rare, negligible) to ${RISK_SCALE.max} (almost certain, severe)`);
const RiskScoreSchema = z.strictObject({ likelihood: riskPoint, impact: riskPoint });

/** Likelihood and impact on the 1–5 scale, before and (optionally) after the compensating controls. */
export const RiskRatingSchema = z
  .strictObject({
    before: RiskScoreSchema,
    after: RiskScoreSchema.nullable().default(null),
  })
  .superRefine((rating, ctx) => {
    const problem = riskAfterProblem(rating);
    if (problem) ctx.addIssue({ code: 'custom', path: ['after'], message: problem });
  });

/** A `podSecurity` entry of a kyverno.io exception, as Kyverno's manifest writes it. */
export const PodSecurityInputSchema = z.strictObject({
  controlName: z.string().max(100).describe('a Pod Security control, as Kyverno names it (Capabilities)'),
  images: list.optional().describe('the containers it applies to, by image (wildcards)'),
  restrictedField: z
    .string()
    .max(300)
    .nullish()
    .describe('the one field it exempts (spec.containers[*].securityContext.capabilities.add)'),
  values: list.optional().describe("that field's values it allows"),
});

/** A request for an exception, as the CLI and the API take it. `expires` is a duration (14d) or an instant. */
export const RequestInputSchema = z.strictObject({
  name: z.string().max(300).optional(),
  policy: z.string().max(300).optional(),
  rules: list.optional(),
  kinds: list.optional(),
  namespaces: list,
  names: list,
  category: z.enum(categories),
  ticket: text,
  reason: text,
  riskAssessment: text.nullish(),
  riskRating: RiskRatingSchema.nullish(),
  compensatingControls: text.nullish(),
  /** CEL expressions (compensating controls) Kyverno checks before a CEL exception applies. */
  validations: z.array(z.string().max(2000)).max(20).optional(),
  falsePositive: text
    .superRefine((why, ctx) => {
      const problem = falsePositiveProblem(why);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .nullish(),
  expires: z.string().max(100),
  apiVersion: z.enum(apiVersions).optional(),
  /** Only these Pod Security controls of a podSecurity rule (kyverno.io); none: the whole rule. */
  podSecurity: z.array(PodSecurityInputSchema).max(100).optional(),
  /** A CEL exception: the images it lends the policy (exceptions.allowedImages). */
  images: list.optional(),
  /** A CEL exception: the values it lends the policy (exceptions.allowedValues). */
  allowedValues: list.optional(),
  /** The named target it will live on; the configuration's default target when absent. */
  // Checked against the configured names (a one-target setup names its cluster by its kubeconfig context).
  target: z.string().min(1).max(253).optional(),
  /**
   * Drafted from this violation (the resource as KIND/NAMESPACE/NAME, and the failing rules it was drafted
   * for): the draft is made again and kept with the request, and what the request adds to it is flagged.
   */
  fromViolation: z
    .strictObject({
      resource: z.string().min(1).max(600),
      rules: list.optional(),
      /** The cluster target whose policy reports show the violation (default: the request's own target). */
      cluster: z.string().min(1).max(253).optional(),
    })
    .optional(),
});
export type RequestInput = z.infer<typeof RequestInputSchema>;

export const RenewInputSchema = z.strictObject({
  reason: text,
  expires: z.string().max(100),
  ticket: text.optional(),
});
export type RenewInput = z.infer<typeof RenewInputSchema>;

/** An identity: a user name, an e-mail address or a service account. */
export const IdentitySchema = z
  .string()
  .regex(/^[\w.@+:-]{1,254}$/, 'must be 1-254 letters, digits or . @ + : - _');

/** A new API token: whose it is, what it may do, and until when. */
export const TokenInputSchema = z.strictObject({
  owner: IdentitySchema,
  roles: z.array(z.enum(roles)).min(1).max(roles.length),
  description: z.string().max(200).optional(),
  expires: z.string().max(100).optional(),
});
export type TokenInput = z.infer<typeof TokenInputSchema>;
