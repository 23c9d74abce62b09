import { stringify } from 'yaml';
import { formatId, type ApiVersion, type ExceptionRecord } from './exception.js';
import {
  ANNOTATIONS,
  expiryConditionKey,
  ID_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  TTL_LABEL,
  ttlLabelValue,
  type PolicyExceptionManifest,
} from './manifest.js';
import type { ProcessSettings } from './settings.js';
import { DAY_MS, toRfc3339 } from './time.js';

export interface RenderOptions {
  apiVersion?: ApiVersion;
}

/**
 * The PolicyException Kyverno reads for a record, with the three expiry layers: the time condition
 * (exact, at admission), the cleanup TTL label (Kyverno deletes it even if Waiver is down), and
 * Waiver's own removal at expiry. Keys are built in a fixed order so the output is deterministic.
 */
export function renderPolicyException(
  record: ExceptionRecord,
  settings: ProcessSettings,
  options: RenderOptions = {},
): PolicyExceptionManifest {
  const annotations: Record<string, string> = {
    [ANNOTATIONS.requestor]: record.requestor,
    [ANNOTATIONS.ticket]: record.ticket,
    [ANNOTATIONS.reason]: record.reason,
    [ANNOTATIONS.riskAcceptance]: record.approver ?? '',
    [ANNOTATIONS.expiryReminder]: reminderDate(record, settings.reminderDays),
    [ANNOTATIONS.category]: record.category,
    [ANNOTATIONS.expiresAt]: record.expiresAt,
  };
  if (record.riskAssessment) annotations[ANNOTATIONS.riskAssessment] = record.riskAssessment;
  return {
    apiVersion: options.apiVersion ?? record.apiVersion,
    kind: 'PolicyException',
    metadata: {
      name: record.name,
      namespace: settings.exceptionNamespace,
      labels: {
        [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
        [ID_LABEL]: formatId(record.id),
        [TTL_LABEL]: ttlLabelValue(record.expiresAt),
      },
      annotations,
    },
    spec: {
      exceptions: [{ policyName: record.policy, ruleNames: [...record.rules] }],
      match: {
        any: [
          {
            resources: {
              kinds: [...record.kinds],
              namespaces: [...record.namespaces],
              names: [...record.names],
            },
          },
        ],
      },
      conditions: {
        all: [{ key: expiryConditionKey(record.expiresAt), operator: 'Equals', value: true }],
      },
    },
  };
}

/**
 * The day the reminder is due: `reminderDays` before the expiry, but never before the exception took
 * effect (a 5-day exception is in its reminder window from the start, and is reminded then).
 */
function reminderDate(record: ExceptionRecord, reminderDays: number): string {
  const due = Date.parse(record.expiresAt) - reminderDays * DAY_MS;
  const start = Date.parse(record.appliedAt ?? record.requestedAt);
  return toRfc3339(Math.max(due, start)).slice(0, 10);
}

/**
 * YAML with every string quoted where YAML would read it otherwise; the `yaml` library escapes, so user
 * text cannot break out of its scalar.
 */
export const manifestToYaml = (manifest: PolicyExceptionManifest): string =>
  stringify(manifest, { lineWidth: 0, aliasDuplicateObjects: false });
