/**
 * Every configured target, opened lazily: a cluster's or a Git repository's module loads on first use, and
 * what a cluster, a repository or a forge says when it fails is masked before any use case sees it.
 */
import type { Config } from '../config/load.js';
import type { ClusterServices } from '../service/ports/cluster.js';
import type { NamedTarget, Target, TargetSet } from '../service/ports/target.js';
import { decorateTarget, type AroundCall } from '../service/decorate-target.js';
import { targetSet } from '../service/targets.js';
import type { ClusterTargetConfig, GitTargetConfig } from '../config/targets.js';
import { repositoryDescription } from '../domain/git-repository.js';
import type { KubernetesCluster } from '../targets/kubernetes/open-kubernetes.js';
import { DirectoryTarget } from '../targets/directory-target.js';
import { systemScheduler } from '../system/system-scheduler.js';
import { gitCapabilities } from '../targets/git/capabilities.js';
import { redactError, type Redact } from '../domain/redact.js';

export type LazyCluster = () => Promise<KubernetesCluster>;

/** How each opened target is wrapped, e.g. to count what it does. */
export interface TargetDecoration {
  target?: (name: string, t: Target) => Target;
}

/** What a cluster, a repository or a forge said when it failed, masked before any use case sees it. */
async function masked<T>(redact: Redact, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw redactError(e, redact);
  }
}

/** Every call to a target masked alike, whatever the operation. */
const maskedCalls =
  (redact: Redact): AroundCall =>
  (_operation, call) =>
    masked(redact, call);

/** A cluster target's connection, loaded once on first use. */
function lazyCluster(cluster: ClusterTargetConfig, config: Config): LazyCluster {
  let loaded: Promise<KubernetesCluster> | undefined;
  return () =>
    (loaded ??= import('../targets/kubernetes/open-kubernetes.js').then((m) =>
      m.openKubernetesCluster(cluster, config.settings, systemScheduler),
    ));
}

/**
 * A cluster's target, loaded on the first write, remove or list, and on its own: a command that only
 * writes never loads the generated clients that the catalog, doctor, lease and watch need.
 */
function lazyClusterTarget(cluster: ClusterTargetConfig, config: Config, redact: Redact): Target {
  return decorateTarget(
    {
      description: cluster.context ? `cluster context ${cluster.context}` : 'cluster (current context)',
      capabilities: { observable: true, proposals: false, batches: false },
      load: async () =>
        (await import('../targets/kubernetes/open-target.js')).openKubernetesTarget(
          cluster,
          config.settings,
          systemScheduler,
        ),
    },
    maskedCalls(redact),
  );
}

/** A Git repository's target, its module loaded on first use. */
function lazyGitTarget(name: string, git: GitTargetConfig, redact: Redact): Target {
  return decorateTarget(
    {
      description: repositoryDescription(git),
      capabilities: gitCapabilities(git),
      load: async () =>
        (await import('../targets/git/git-target.js')).openGitTarget(name, git, systemScheduler),
    },
    maskedCalls(redact),
  );
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
  options: { decorate?: TargetDecoration | undefined },
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
