import * as z from 'zod';
import { apiVersions } from './exception.js';
import { nameBases, scopeChangeFields } from './violation-draft.js';

/**
 * A request's origin as the API answers it and as the store keeps it (JSON): read back through this
 * schema, so a row that does not parse is never shown as evidence.
 */
const resourceIdentity = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
});
const nullableInstant = z.string().describe('RFC3339 instant').nullable();

const scopeFields = {
  policy: z.string(),
  rules: z.array(z.string()),
  kinds: z.array(z.string()),
  namespaces: z.array(z.string()),
  names: z.array(z.string()),
};

const ownerSchema = z
  .strictObject({
    kind: z.string(),
    name: z.string(),
    chain: z.array(z.strictObject({ kind: z.string(), name: z.string() })),
    podTemplateHash: z.string().nullable(),
    complete: z.boolean(),
  })
  .nullable();

const draftPodSecurity = z.strictObject({
  controlName: z.string(),
  images: z.array(z.string()),
  restrictedField: z.string(),
  values: z.array(z.string()),
});

export const ViolationDraftSchema = z
  .strictObject({
    podSecurity: z
      .array(draftPodSecurity)
      .describe('for a Pod Security rule: the failing controls only, with their images, field and values'),
    from: z
      .strictObject({
        target: z.string(),
        resource: resourceIdentity,
        owner: ownerSchema,
        policy: z.string(),
        rules: z.array(
          z.strictObject({
            rule: z.string(),
            result: z.string(),
            message: z.string(),
            seenAt: nullableInstant,
          }),
        ),
        lastSeen: nullableInstant,
      })
      .describe('the failing results the draft was made from'),
    fields: z
      .strictObject({
        ...scopeFields,
        apiVersion: z.enum(apiVersions).optional(),
        target: z.string(),
        podSecurity: z.array(draftPodSecurity).optional().describe('the failing Pod Security controls'),
        images: z.array(z.string()).optional().describe('a CEL exception: the failing images'),
        allowedValues: z.array(z.string()).optional().describe('a CEL exception: values to allow'),
      })
      .describe('what the request form and request --from-violation fill in'),
    scope: z.strictObject(scopeFields).describe('the scope those fields become (autogen rules, pods added)'),
    basis: z
      .enum(nameBases)
      .describe("pod: a bare pod; pod-template-hash: one ReplicaSet's pods; controller"),
    why: z.string(),
    notes: z.array(z.string()),
  })
  .describe('The narrowest request that lets a violation through');

const scopeChange = z.strictObject({
  field: z.enum(scopeChangeFields),
  values: z.array(z.string()),
});

export const RequestOriginSchema = z
  .strictObject({
    draft: ViolationDraftSchema,
    widened: z
      .array(scopeChange)
      .describe('what the filed request adds to the draft: for the reviewer to weigh'),
    narrowed: z.array(scopeChange).describe('what it leaves out of the draft'),
  })
  .describe('The violation a request was drafted from, and how the filed scope differs');

const overlapEntry = z.strictObject({
  resource: resourceIdentity,
  rule: z.string(),
  exceptions: z.array(z.string()).describe('namespace/name of the PolicyExceptions that let it through'),
});

export const OverlapReportSchema = z
  .strictObject({
    exceptions: z.array(z.string()).describe('the active exceptions for the same policy it overlaps'),
    shared: z.array(overlapEntry).describe('what it and another each let through alone'),
    together: z
      .array(overlapEntry)
      .describe('what they let through together and none alone: the reviewer weighs these most'),
    notes: z.array(z.string()),
  })
  .describe('How an exception meets the active ones for the same policy');
