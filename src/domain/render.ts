import { WaiverError } from './errors.js';
import { formatId, isCelApiVersion, type ApiVersion, type ExceptionRecord } from './exception.js';
import { expiryConditionKey, type ExceptionManifest, type PolicyExceptionManifest } from './manifest.js';
import { exceptionMetadata } from './exception-metadata.js';
import { podSecurityManifest } from './exemptions.js';
import { renderCelPolicyException } from './render-cel.js';
import type { ProcessSettings } from './settings.js';
import { manifestYaml } from './yaml-text.js';

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
  return {
    apiVersion: options.apiVersion ?? record.apiVersion,
    kind: 'PolicyException',
    metadata: exceptionMetadata(record, settings),
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
      // Without entries the exception skips the whole podSecurity rule: the field is left out.
      ...(record.podSecurity.length ? { podSecurity: podSecurityManifest(record.podSecurity) } : {}),
    },
  };
}

/**
 * The manifest the target receives, in the record's API: a kyverno.io PolicyException, or the CEL one
 * (policies.kyverno.io) for ValidatingPolicy and the other CEL kinds. An exception stays in its family.
 */
export function renderManifest(
  record: ExceptionRecord,
  settings: ProcessSettings,
  options: RenderOptions = {},
): ExceptionManifest {
  const apiVersion = options.apiVersion ?? record.apiVersion;
  if (isCelApiVersion(apiVersion) !== isCelApiVersion(record.apiVersion))
    throw new WaiverError(
      'usage',
      `${formatId(record.id)} is a ${record.apiVersion} exception: render it in that API group`,
      'apiVersion',
    );
  return isCelApiVersion(apiVersion)
    ? renderCelPolicyException(record, settings, apiVersion)
    : renderPolicyException(record, settings, { apiVersion });
}

/**
 * YAML with every string quoted where YAML would read it otherwise; the `yaml` library escapes, so user
 * text cannot break out of its scalar (`manifestYaml` writes the common case line by line, as it would).
 */
export const manifestToYaml = (manifest: ExceptionManifest): string => manifestYaml(manifest);
