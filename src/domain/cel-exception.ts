/**
 * The CEL policy kinds a `policies.kyverno.io` PolicyException refers to by `policyRefs` (cluster-scoped;
 * Kyverno 1.15+). A request names one as `Kind/name`, e.g. `ImageValidatingPolicy/check-images`.
 */
export const CEL_POLICY_KINDS = [
  'ValidatingPolicy',
  'ImageValidatingPolicy',
  'MutatingPolicy',
  'GeneratingPolicy',
  'DeletingPolicy',
] as const;

export interface CelPolicyRef {
  kind: string;
  name: string;
}

/** `Kind/name` with a CEL policy kind, or undefined. */
export function parseCelPolicyRef(policy: string): CelPolicyRef | undefined {
  const [kind = '', name, ...rest] = policy.split('/');
  if (rest.length || !name || !(CEL_POLICY_KINDS as readonly string[]).includes(kind)) return undefined;
  return { kind, name };
}

/** A Kyverno wildcard (`*`, `?`) as an anchored RE2 pattern, every other character literal. */
export function wildcardToRe2(pattern: string): string {
  const literal = (c: string) => (/[\\^$.|+()[\]{}]/.test(c) ? `\\${c}` : c);
  return `^${[...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : literal(c))).join('')}$`;
}

const celString = (s: string) => JSON.stringify(s);
const celList = (items: readonly string[]) => `[${items.map(celString).join(', ')}]`;

/**
 * The scope of a request as one CEL match condition: the kinds, namespaces and name patterns, where a name
 * the server has not given yet falls back to `generateName` as Kyverno's own matching does. On DELETE the
 * object is null, and the old object is the one to judge.
 */
export function celScopeExpression(scope: {
  kinds: readonly string[];
  namespaces: readonly string[];
  names: readonly string[];
}): string {
  const names = scope.names.map(wildcardToRe2);
  const target = 'object != null ? object : oldObject';
  const named = (field: string) =>
    `(has(o.metadata.${field}) && ${celList(names)}.exists(p, o.metadata.${field}.matches(p)))`;
  return [
    `[${target}].all(o,`,
    `o.kind in ${celList(scope.kinds)}`,
    `&& has(o.metadata.namespace) && o.metadata.namespace in ${celList(scope.namespaces)}`,
    `&& (${named('name')} || (!has(o.metadata.name) || o.metadata.name == "") && ${named('generateName')}))`,
  ].join(' ');
}
