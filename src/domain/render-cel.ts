import { celScopeExpression, parseCelPolicyRef } from './cel-exception.js';
import { WaiverError } from './errors.js';
import { formatId, type ExceptionRecord } from './exception.js';
import type { CelPolicyExceptionManifest } from './manifest.js';
import { exceptionMetadata } from './exception-metadata.js';
import type { ProcessSettings } from './settings.js';

/** The match condition's name: Waiver's scope of the exception. */
export const SCOPE_CONDITION = 'waiver-scope';

/** The match condition holding compensating validation `i` (counted from 0, as the record lists them). */
export const validationCondition = (i: number): string => `waiver-validation-${i}`;

/**
 * The CEL PolicyException for a record: the policy by reference, the scope as one CEL match condition
 * and each compensating validation as one more,
 * `expiresAt` (honoured at admission only, so Waiver still removes it at expiry), and the justification
 * as `properties`, which Kyverno copies into its reports.
 */
export function renderCelPolicyException(
  record: ExceptionRecord,
  settings: ProcessSettings,
  apiVersion: string,
): CelPolicyExceptionManifest {
  const ref = parseCelPolicyRef(record.policy);
  if (!ref)
    throw new WaiverError(
      'usage',
      `"${record.policy}" is not a CEL policy as Kind/name (e.g. ImageValidatingPolicy/check-images)`,
      'policy',
    );
  const properties: Record<string, string> = {
    ticket: record.ticket,
    category: record.category,
    requestor: record.requestor,
    approver: record.approver ?? '',
    'waiver-id': formatId(record.id),
  };
  return {
    apiVersion,
    kind: 'PolicyException',
    metadata: exceptionMetadata(record, settings),
    spec: {
      policyRefs: [{ name: ref.name, kind: ref.kind }],
      // Compensating validations are match conditions: Kyverno grants the exception only when every one
      // holds for the resource. Its CEL PolicyException has no `spec.validations` field (its CRD, through
      // 1.19 and main in August 2026), and the API server would prune or refuse one.
      matchConditions: [
        { name: SCOPE_CONDITION, expression: celScopeExpression(record) },
        ...record.validations.map((expression, i) => ({ name: validationCondition(i), expression })),
      ],
      expiresAt: record.expiresAt,
      properties,
      // With either list, a ValidatingPolicy still runs and reads them (exceptions.allowedImages,
      // exceptions.allowedValues) rather than being skipped.
      ...(record.images.length ? { images: [...record.images] } : {}),
      ...(record.allowedValues.length ? { allowedValues: [...record.allowedValues] } : {}),
    },
  };
}
