import {
  CoreV1Api,
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { kindMatches } from '../../domain/exception-match.js';
import type { InventoryObjects } from '../../domain/inventory-objects.js';
import type { ClusterInventory } from '../../service/ports/cluster.js';
import { readPolicy } from './cluster-policies.js';
import { isNotFound } from './kube-errors.js';

/**
 * The kinds `covers` reads: Pods and their controllers (what image and pod-security policies match) and
 * the common namespaced objects. Secrets are never read: their data is not Waiver's to hold.
 */
const READABLE = [
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'batch/v1', kind: 'CronJob' },
  { apiVersion: 'v1', kind: 'ReplicationController' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Service' },
] as const;

const WORKLOADS = READABLE.slice(0, 8);

/** Objects read at most, over every kind: past it the answer says it is truncated. */
const MAX_OBJECTS = 20_000;
const PAGE = 500;

export class KubernetesInventory implements ClusterInventory {
  constructor(private readonly kc: KubeConfig) {}

  async objects(kindSelectors: readonly string[], namespaces: readonly string[]): Promise<InventoryObjects> {
    const wanted = kindSelectors.length
      ? READABLE.filter((t) => kindSelectors.some((k) => kindMatches(k, t)))
      : WORKLOADS;
    const skipped = kindSelectors.filter((k) => !READABLE.some((t) => kindMatches(k, t)));
    const objects: Record<string, unknown>[] = [];
    let truncated = false;
    for (const type of wanted)
      for (const namespace of namespaces.length ? namespaces : [undefined]) {
        const room = MAX_OBJECTS - objects.length;
        const page = await this.list(type.apiVersion, type.kind, namespace, room);
        objects.push(...page.items);
        truncated ||= page.truncated;
      }
    return { objects, kinds: wanted.map((t) => `${t.apiVersion}/${t.kind}`), skipped, truncated };
  }

  async namespaceLabels(): Promise<Map<string, Record<string, string>>> {
    const list = await this.kc.makeApiClient(CoreV1Api).listNamespace();
    return new Map(list.items.map((n) => [n.metadata?.name ?? '', n.metadata?.labels ?? {}]));
  }

  policy(name: string): Promise<Record<string, unknown> | undefined> {
    return readPolicy(this.kc, name);
  }

  /** Both report APIs: Kyverno writes wgpolicyk8s.io, or openreports.io when configured to; an absent one is skipped. */
  async reports(): Promise<unknown[]> {
    const kinds = [
      ['wgpolicyk8s.io/v1alpha2', 'PolicyReport'],
      ['wgpolicyk8s.io/v1alpha2', 'ClusterPolicyReport'],
      ['openreports.io/v1alpha1', 'Report'],
      ['openreports.io/v1alpha1', 'ClusterReport'],
    ] as const;
    const reports: unknown[] = [];
    for (const [apiVersion, kind] of kinds) {
      const page = await this.list(apiVersion, kind, undefined, MAX_OBJECTS - reports.length);
      reports.push(...page.items);
    }
    return reports;
  }

  /** One kind, page by page, as kubectl lists: at most `room` objects. */
  private async list(apiVersion: string, kind: string, namespace: string | undefined, room: number) {
    const api = KubernetesObjectApi.makeApiClient(this.kc);
    const items: Record<string, unknown>[] = [];
    let token: string | undefined;
    do {
      if (items.length >= room) return { items, truncated: true };
      let page;
      try {
        page = await api.list<KubernetesObject>(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          Math.min(PAGE, room - items.length),
          token,
        );
      } catch (e) {
        if (isNotFound(e)) return { items, truncated: false };
        throw e;
      }
      // Plain JSON as the API server sent it (the client makes classes and Dates), with the apiVersion and
      // kind a list's items lack: CEL and JMESPath read the object as Kyverno does.
      items.push(
        ...page.items.map((o) => ({ ...(JSON.parse(JSON.stringify(o)) as object), apiVersion, kind })),
      );
      token = page.metadata?._continue || undefined;
    } while (token);
    return { items, truncated: false };
  }
}
