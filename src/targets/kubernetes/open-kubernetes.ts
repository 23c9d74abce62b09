import type { ProcessSettings } from '../../domain/settings.js';
import type { ClusterCatalog, ClusterDoctor, ClusterInventory } from '../../service/ports/cluster.js';
import type { ChangeFeed, Clock, LeaderLease, Scheduler } from '../../service/ports/runtime.js';
import type { Target } from '../../service/ports/target.js';
import { KubernetesCatalog } from './cluster-catalog.js';
import { KubernetesInventory } from './cluster-inventory.js';
import { diagnose } from './doctor.js';
import { loadKubeConfig } from './kube-config.js';
import { KubernetesLease } from './kubernetes-lease.js';
import { apiVersionOf, openKubernetesTarget, type TargetConnection } from './open-target.js';
import { PolicyExceptionWatch } from './policy-exception-watch.js';

/** Everything Waiver does with one cluster, each behind the service's port for it. */
export interface KubernetesCluster {
  target: Target;
  catalog: ClusterCatalog;
  inventory: ClusterInventory;
  doctor: ClusterDoctor;
  /** The controller's leadership lease in the exception namespace. */
  lease(identity: string, durationSeconds: number, clock: Clock): LeaderLease;
  /** A watch on PolicyExceptions in every namespace. */
  changes(scheduler: Scheduler): ChangeFeed;
}

/**
 * Opens a cluster from a kubeconfig (and context), rendering and watching the configured API version; the
 * target's retries wait on `scheduler`.
 */
export function openKubernetesCluster(
  connection: TargetConnection,
  settings: ProcessSettings,
  scheduler: Scheduler,
): KubernetesCluster {
  const kc = loadKubeConfig(connection);
  const version = apiVersionOf(settings);
  return {
    target: openKubernetesTarget(connection, settings, scheduler, kc),
    catalog: new KubernetesCatalog(kc),
    inventory: new KubernetesInventory(kc),
    doctor: { diagnose: (policies) => diagnose(kc, settings, policies) },
    lease: (identity, durationSeconds, clock) =>
      new KubernetesLease(
        kc,
        { namespace: settings.exceptionNamespace, name: 'waiver-controller', identity, durationSeconds },
        clock,
      ),
    changes: (scheduler) => new PolicyExceptionWatch(kc, version, scheduler),
  };
}
