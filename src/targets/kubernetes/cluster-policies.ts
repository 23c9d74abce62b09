import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { parseCelPolicyRef, type CelPolicyRef } from '../../domain/cel-exception.js';
import { isNotFound } from './kube-errors.js';

/** A CEL policy (policies.kyverno.io/v1), or undefined when the cluster has none by that kind and name. */
export async function readCelPolicy(
  kc: KubeConfig,
  ref: CelPolicyRef,
): Promise<Record<string, unknown> | undefined> {
  const plural = `${ref.kind.toLowerCase().replace(/y$/, 'ie')}s`;
  try {
    const policy = (await kc.makeApiClient(CustomObjectsApi).getClusterCustomObject({
      group: 'policies.kyverno.io',
      version: 'v1',
      plural,
      name: ref.name,
    })) as Record<string, unknown>;
    return { ...policy, kind: ref.kind };
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export interface ClusterPolicyInfo {
  name: string;
  /** Rule names as Kyverno evaluates them: the written ones, plus autogen-… when autogen is on. */
  rules: string[];
  autogen: boolean;
}

const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';

/**
 * A policy's rules, or undefined when there is no such policy. `policyName` is what a PolicyException
 * names: `name` for a ClusterPolicy, `namespace/name` for a namespaced Policy.
 */
export async function readClusterPolicy(
  kc: KubeConfig,
  name: string,
): Promise<ClusterPolicyInfo | undefined> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const cel = parseCelPolicyRef(name);
  if (cel) return (await readCelPolicy(kc, cel)) ? { name, rules: [], autogen: false } : undefined;
  const [namespace, policyName] = name.includes('/') ? name.split('/', 2) : [undefined, name];
  const where = { group: 'kyverno.io', version: 'v1', name: policyName ?? '' };
  let policy: { metadata?: { annotations?: Record<string, string> }; spec?: { rules?: { name?: string }[] } };
  try {
    policy = (await (namespace === undefined
      ? api.getClusterCustomObject({ ...where, plural: 'clusterpolicies' })
      : api.getNamespacedCustomObject({ ...where, namespace, plural: 'policies' }))) as typeof policy;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  const written = (policy.spec?.rules ?? []).map((r) => r.name ?? '').filter(Boolean);
  const autogen = policy.metadata?.annotations?.[AUTOGEN_ANNOTATION] !== 'none';
  const generated = autogen
    ? written.flatMap((r) => [`autogen-${r}`, `autogen-cronjob-${r}`].map((n) => n.slice(0, 63)))
    : [];
  return { name, rules: [...written, ...generated], autogen };
}
