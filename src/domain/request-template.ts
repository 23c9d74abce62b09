import { ANNOTATIONS, parseTtlLabel, TTL_LABEL, type PolicyExceptionManifest } from './manifest.js';
import { readExpiry } from './manifest-schema.js';
import type { PodSecurityFields } from './draft-request.js';

/** What a filled-in process template (a PolicyException) says about a request. */
export interface TemplateFields {
  name?: string;
  policy?: string;
  rules?: string[];
  kinds?: string[];
  namespaces?: string[];
  names?: string[];
  ticket?: string;
  reason?: string;
  riskAssessment?: string;
  expires?: string;
  /** The template's `spec.podSecurity`: only these controls of a podSecurity rule. */
  podSecurity?: PodSecurityFields[];
}

/**
 * Reads the request out of the process document's template. Its expiry may be in the template's own
 * (ineffective) `LessThan` form: the timestamp is taken and rendered back in the working form.
 */
export function fieldsFromTemplate(manifest: PolicyExceptionManifest): TemplateFields {
  const fields: TemplateFields = { name: manifest.metadata.name };
  const first = manifest.spec.exceptions[0];
  if (first) {
    fields.policy = first.policyName;
    fields.rules = first.ruleNames;
  }
  const resources = [...(manifest.spec.match.any ?? []), ...(manifest.spec.match.all ?? [])].map(
    (f) => f.resources ?? {},
  );
  const collect = (pick: (r: (typeof resources)[number]) => string[] | undefined): string[] => [
    ...new Set(resources.flatMap((r) => pick(r) ?? [])),
  ];
  const kinds = collect((r) => r.kinds);
  const namespaces = collect((r) => r.namespaces);
  const names = collect((r) => r.names);
  if (kinds.length) fields.kinds = kinds;
  if (namespaces.length) fields.namespaces = namespaces;
  if (names.length) fields.names = names;
  const annotations = manifest.metadata.annotations ?? {};
  const {
    [ANNOTATIONS.ticket]: ticket,
    [ANNOTATIONS.reason]: reason,
    [ANNOTATIONS.riskAssessment]: risk,
  } = annotations;
  if (ticket) fields.ticket = ticket;
  if (reason) fields.reason = reason;
  if (risk) fields.riskAssessment = risk;
  const expiry = readExpiry(manifest).value ?? parseTtlLabel(manifest.metadata.labels?.[TTL_LABEL] ?? '');
  if (expiry) fields.expires = expiry;
  if (manifest.spec.podSecurity?.length)
    fields.podSecurity = manifest.spec.podSecurity.map((e) => ({
      controlName: e.controlName,
      ...(e.images?.length ? { images: e.images } : {}),
      ...(e.restrictedField ? { restrictedField: e.restrictedField } : {}),
      ...(e.values?.length ? { values: e.values } : {}),
    }));
  return fields;
}
