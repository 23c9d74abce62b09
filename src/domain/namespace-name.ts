import { WaiverError } from './errors.js';

/**
 * Kubernetes names checked without the guardrails' imports (the CEL compiler among them): a cold `get` or
 * `violations` checks its `-n` and nothing else.
 */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label, as a namespace's name must be. */
export const isLabel = (s: string): boolean => s.length <= 63 && DNS1123_LABEL.test(s);

/** What a namespace's name may be, said wherever a name is refused. */
export const NAMESPACE_NAME_RULE =
  'a DNS-1123 label: lower-case letters, digits and "-", at most 63 characters';

/** A namespace filter Kubernetes would refuse as a name matches nothing: it is a typing mistake. */
export function parseNamespace(text: string): string {
  if (!isLabel(text))
    throw new WaiverError('usage', `"${text}" is not a namespace name (${NAMESPACE_NAME_RULE})`, 'namespace');
  return text;
}
