import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { isNotFound } from './kube-errors.js';

export interface ClusterPolicyInfo {
  name: string;
  /** Rule names as Kyverno evaluates them: the written ones, plus autogen-… when autogen is on. */
  rules: string[];
  autogen: boolean;
}

const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';

/** A ClusterPolicy's rules, or undefined when there is no such policy. */
export async function readClusterPolicy(
  kc: KubeConfig,
  name: string,
): Promise<ClusterPolicyInfo | undefined> {
  const api = kc.makeApiClient(CustomObjectsApi);
  let policy: { metadata?: { annotations?: Record<string, string> }; spec?: { rules?: { name?: string }[] } };
  try {
    policy = (await api.getClusterCustomObject({
      group: 'kyverno.io',
      version: 'v1',
      plural: 'clusterpolicies',
      name,
    })) as typeof policy;
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
