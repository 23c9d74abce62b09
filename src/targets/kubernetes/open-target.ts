import type { KubeConfig } from '@kubernetes/client-node';
import type { ProcessSettings } from '../../domain/settings.js';
import type { Scheduler } from '../../service/ports/runtime.js';
import { loadKubeConfig, type KubeConnection } from './kube-config.js';
import { defaultRetry, KubernetesTarget } from './kubernetes-target.js';

export type TargetConnection = KubeConnection & { timeoutSeconds?: number; attempts?: number };

/** The PolicyException version Waiver renders, and so writes and watches. */
export const apiVersionOf = (settings: ProcessSettings): 'v2' | 'v2beta1' =>
  settings.apiVersion === 'kyverno.io/v2beta1' ? 'v2beta1' : 'v2';

/**
 * The cluster as a target alone: what a command that writes needs. It loads the kubeconfig's code but
 * none of client-node's generated clients (the catalog's, doctor's, lease's, watch's), which are most
 * of its load time.
 */
export function openKubernetesTarget(
  connection: TargetConnection,
  settings: ProcessSettings,
  scheduler: Scheduler,
  kc: KubeConfig = loadKubeConfig(connection),
): KubernetesTarget {
  return new KubernetesTarget(kc, scheduler, apiVersionOf(settings), {
    ...defaultRetry,
    ...(connection.timeoutSeconds ? { timeoutMs: connection.timeoutSeconds * 1000 } : {}),
    ...(connection.attempts ? { attempts: connection.attempts } : {}),
  });
}
