import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { parseCelPolicyRef } from '../../domain/cel-exception.js';
import { policyRules } from '../../domain/coverage.js';
import { isNotFound } from './kube-errors.js';

/** `ValidatingPolicy` → `validatingpolicies`, as the CRDs name their plurals. */
export const celPlural = (kind: string): string => `${kind.toLowerCase().replace(/y$/, 'ie')}s`;

/**
 * A policy as an exception names it, the whole object with its kind, or undefined when the cluster has
 * none: `name` (ClusterPolicy), `namespace/name` (Policy), or `Kind/name` (a CEL policy).
 */
export async function readPolicy(kc: KubeConfig, name: string): Promise<Record<string, unknown> | undefined> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const cel = parseCelPolicyRef(name);
  const [namespace, policyName] = name.includes('/') ? name.split('/', 2) : [undefined, name];
  try {
    if (cel) {
      const where = {
        group: 'policies.kyverno.io',
        version: 'v1',
        plural: celPlural(cel.kind),
        name: cel.name,
      };
      return { ...((await api.getClusterCustomObject(where)) as object), kind: cel.kind };
    }
    const where = { group: 'kyverno.io', version: 'v1', name: policyName ?? '' };
    const policy = (await (namespace === undefined
      ? api.getClusterCustomObject({ ...where, plural: 'clusterpolicies' })
      : api.getNamespacedCustomObject({ ...where, namespace, plural: 'policies' }))) as object;
    return { ...policy, kind: namespace === undefined ? 'ClusterPolicy' : 'Policy' };
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export interface ClusterPolicyInfo {
  name: string;
  /** Rule names as Kyverno evaluates them: the written ones, plus the autogen rules it makes for them. */
  rules: string[];
  autogen: boolean;
}

/** A policy's rules (autogen ones exactly when Kyverno makes them), or undefined when there is no such policy. */
export async function readClusterPolicy(
  kc: KubeConfig,
  name: string,
): Promise<ClusterPolicyInfo | undefined> {
  const policy = await readPolicy(kc, name);
  if (!policy) return undefined;
  if (parseCelPolicyRef(name)) return { name, rules: [], autogen: false };
  const rules = policyRules(policy).map((r) => r.rule);
  return { name, rules, autogen: rules.some((r) => r.startsWith('autogen-')) };
}
