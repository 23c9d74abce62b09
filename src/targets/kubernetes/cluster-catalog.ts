import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { CEL_POLICY_KINDS, parseCelPolicyRef } from '../../domain/cel-exception.js';
import type { Issue } from '../../domain/errors.js';
import { byPolicyName, knownPolicy, type KnownPolicy } from '../../domain/policy-catalog.js';
import { wildcardMatch } from '../../domain/wildcard.js';
import type { ClusterCatalog, ScopeToCheck } from '../../service/ports/cluster.js';
import { celPlural, readClusterPolicy } from './cluster-policies.js';
import { isNotFound } from './kube-errors.js';

/** Checks a request against the cluster: the policy and its rules exist, and so do the namespaces. */
export class KubernetesCatalog implements ClusterCatalog {
  constructor(private readonly kc: KubeConfig) {}

  async checkScope(scope: ScopeToCheck): Promise<Issue[]> {
    const issues: Issue[] = [];
    const policy = await readClusterPolicy(this.kc, scope.policy);
    if (!policy)
      issues.push({
        code: 'policy-not-found',
        field: 'policy',
        message: `no ${parseCelPolicyRef(scope.policy) ? '' : scope.policy.includes('/') ? 'Policy ' : 'ClusterPolicy '}${scope.policy} in the cluster`,
      });
    else
      for (const rule of scope.rules)
        if (!policy.rules.some((r) => wildcardMatch(rule, r)))
          issues.push({
            code: 'rule-not-found',
            field: 'rules',
            message: `ClusterPolicy ${scope.policy} has no rule ${rule} (it has ${policy.rules.join(', ') || 'none'})`,
          });
    const core = this.kc.makeApiClient(CoreV1Api);
    for (const namespace of scope.namespaces.filter((n) => !/[*?]/.test(n))) {
      try {
        await core.readNamespace({ name: namespace });
      } catch (e) {
        if (!isNotFound(e)) throw e;
        issues.push({
          code: 'namespace-not-found',
          field: 'namespaces',
          message: `no namespace ${namespace} in the cluster`,
        });
      }
    }
    return issues;
  }

  async policies(): Promise<KnownPolicy[]> {
    const api = this.kc.makeApiClient(CustomObjectsApi);
    const kinds: { kind: string; group: string; plural: string; namespaced?: boolean }[] = [
      { kind: 'ClusterPolicy', group: 'kyverno.io', plural: 'clusterpolicies' },
      { kind: 'Policy', group: 'kyverno.io', plural: 'policies', namespaced: true },
      ...CEL_POLICY_KINDS.map((kind) => ({ kind, group: 'policies.kyverno.io', plural: celPlural(kind) })),
    ];
    const lists = await Promise.all(
      kinds.map(async ({ kind, group, plural, namespaced }) => {
        const where = { group, version: 'v1', plural };
        try {
          const list = (await (namespaced
            ? api.listCustomObjectForAllNamespaces(where)
            : api.listClusterCustomObject(where))) as { items?: Record<string, unknown>[] };
          return (list.items ?? []).map((item) => knownPolicy({ ...item, kind }));
        } catch (e) {
          // A kind this Kyverno does not serve (CEL policies before 1.15) simply has no policies.
          if (isNotFound(e)) return [];
          throw e;
        }
      }),
    );
    return lists.flat().sort(byPolicyName);
  }
}
