import { celScopeExpression, parseCelPolicyRef } from './cel-exception.js';
import { WaiverError } from './errors.js';
import { formatId, type ExceptionRecord } from './exception.js';
import type { CelPolicyExceptionManifest } from './manifest.js';
import { exceptionMetadata } from './exception-metadata.js';
import type { ProcessSettings } from './settings.js';

/** The match condition's name: Waiver's scope of the exception. */
export const SCOPE_CONDITION = 'waiver-scope';

/**
 * The CEL PolicyException for a record: the policy by reference, the scope as one CEL match condition,
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
      matchConditions: [{ name: SCOPE_CONDITION, expression: celScopeExpression(record) }],
      expiresAt: record.expiresAt,
      properties,
      // With either list, a ValidatingPolicy still runs and reads them (exceptions.allowedImages,
      // exceptions.allowedValues) rather than being skipped.
      ...(record.images.length ? { images: [...record.images] } : {}),
      ...(record.allowedValues.length ? { allowedValues: [...record.allowedValues] } : {}),
    },
  };
}
