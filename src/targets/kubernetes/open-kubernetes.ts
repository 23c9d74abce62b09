import type { ApiVersion } from '../../domain/exception.js';
import { loadKubeConfig, type KubeConnection } from './kube-config.js';
import { KubernetesTarget } from './kubernetes-target.js';

/** The Kubernetes target for a connection; the version is the one Waiver renders by default. */
export function openKubernetesTarget(connection: KubeConnection, apiVersion: ApiVersion): KubernetesTarget {
  return new KubernetesTarget(
    loadKubeConfig(connection),
    apiVersion === 'kyverno.io/v2beta1' ? 'v2beta1' : 'v2',
  );
}
