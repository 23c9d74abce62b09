import { literalPrefix } from './wildcard.js';

/** A descriptive default name: `<namespace>-<pod-name prefix>-<ticket>`, as a DNS-1123 label. */
export function defaultExceptionName(
  namespaces: readonly string[],
  names: readonly string[],
  ticket: string,
): string {
  const namespace = namespaces[0] ?? '';
  const prefix = literalPrefix(names[0] ?? '');
  // "payments" + "payments-api" reads better as "payments-api" than "payments-payments-api".
  const parts = prefix.startsWith(namespace) ? [prefix, ticket] : [namespace, prefix, ticket];
  return parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}
