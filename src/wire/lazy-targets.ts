/**
 * Every configured target, opened lazily: a cluster's or a Git repository's module loads on first use, and
 * what a cluster, a repository or a forge says when it fails is masked before any use case sees it.
 */
import type { Config } from '../config/load.js';
import type { ClusterServices, NamedTarget, ObservableTarget, Target, TargetSet } from '../service/ports.js';
import { targetSet } from '../service/targets.js';
import type { ClusterTargetConfig, GitTargetConfig } from '../config/targets.js';
import { repositoryDescription } from '../domain/git-repository.js';
import type { KubernetesCluster } from '../targets/kubernetes/open-kubernetes.js';
import { DirectoryTarget } from '../targets/directory-target.js';
import { redactError, type Redact } from '../domain/redact.js';
import type { DepsOptions } from './deps.js';

export type LazyCluster = () => Promise<KubernetesCluster>;

/** What a cluster, a repository or a forge said when it failed, masked before any use case sees it. */
async function masked<T>(redact: Redact, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw redactError(e, redact);
  }
}

/** A cluster target's connection, loaded once on first use. */
function lazyCluster(cluster: ClusterTargetConfig, config: Config): LazyCluster {
  let loaded: Promise<KubernetesCluster> | undefined;
  return () =>
    (loaded ??= import('../targets/kubernetes/open-kubernetes.js').then((m) =>
      m.openKubernetesCluster(cluster, config.settings),
    ));
}

/**
 * A cluster's target, loaded on the first write, remove or list, and on its own: a command that only
 * writes never loads the generated clients that the catalog, doctor, lease and watch need.
 */
function lazyClusterTarget(cluster: ClusterTargetConfig, config: Config, redact: Redact): ObservableTarget {
  let loaded: Promise<ObservableTarget> | undefined;
  const target = () =>
    (loaded ??= import('../targets/kubernetes/open-target.js').then((m) =>
      m.openKubernetesTarget(cluster, config.settings),
    ));
  return {
    description: cluster.context ? `cluster context ${cluster.context}` : 'cluster (current context)',
    write: (manifest) => masked(redact, async () => (await target()).write(manifest)),
    remove: (namespace, name, apiVersion) =>
      masked(redact, async () => (await target()).remove(namespace, name, apiVersion)),
    list: () => masked(redact, async () => (await target()).list()),
  };
}

/** A Git repository's target, its module loaded on first use. */
function lazyGitTarget(name: string, git: GitTargetConfig, redact: Redact): ObservableTarget {
  let loaded: Promise<ObservableTarget & Required<Pick<Target, 'proposalState'>>> | undefined;
  const target = () =>
    (loaded ??= import('../targets/git/git-target.js').then((m) => m.openGitTarget(name, git)));
  return {
    description: repositoryDescription(git),
    write: (manifest) => masked(redact, async () => (await target()).write(manifest)),
    remove: (namespace, object, apiVersion) =>
      masked(redact, async () => (await target()).remove(namespace, object, apiVersion)),
    list: () => masked(redact, async () => (await target()).list()),
    proposalState: (url) => masked(redact, async () => (await target()).proposalState(url)),
  };
}

/** What a cluster target reads besides its exceptions, each loaded with the cluster on first use. */
function clusterServices(cluster: LazyCluster, redact: Redact): ClusterServices {
  const m = <T>(work: (k: KubernetesCluster) => Promise<T>) =>
    masked(redact, async () => work(await cluster()));
  return {
    catalog: {
      checkScope: (scope) => m((k) => k.catalog.checkScope(scope)),
      policies: () => m((k) => k.catalog.policies()),
    },
    doctor: { diagnose: (policies) => m((k) => k.doctor.diagnose(policies)) },
    inventory: {
      objects: (kinds, namespaces) => m((k) => k.inventory.objects(kinds, namespaces)),
      namespaceLabels: () => m((k) => k.inventory.namespaceLabels()),
      policy: (name) => m((k) => k.inventory.policy(name)),
      reports: () => m((k) => k.inventory.reports()),
    },
  };
}

/** Every configured target by name, and the connections of those that are clusters. */
export function openTargets(
  config: Config,
  options: DepsOptions,
  redact: Redact,
): { targets: TargetSet; clusters: Map<string, LazyCluster> } {
  const clusters = new Map<string, LazyCluster>();
  const members: NamedTarget[] = Object.entries(config.targets).map(([name, t]) => {
    let target: Target;
    let cluster: ClusterServices | undefined;
    if (t.kind === 'cluster') {
      const lazy = lazyCluster(t, config);
      clusters.set(name, lazy);
      target = lazyClusterTarget(t, config, redact);
      cluster = clusterServices(lazy, redact);
    } else if (t.kind === 'git') target = lazyGitTarget(name, t, redact);
    else target = new DirectoryTarget(t.dir, { createRoot: t.createRoot });
    return { name, kind: t.kind, target: options.decorate?.target?.(name, target) ?? target, cluster };
  });
  return { targets: targetSet(members, config.defaultTarget), clusters };
}
