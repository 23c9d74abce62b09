import { KubeConfig } from '@kubernetes/client-node';
import { messageOf, WaiverError } from '../../domain/errors.js';

export interface KubeConnection {
  /** A kubeconfig file (`--kubeconfig`); else KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  kubeconfig?: string | undefined;
  /** A context of that kubeconfig (`--context`); else its current context. */
  context?: string | undefined;
}

/** Loads a kubeconfig the way kubectl does; an unknown context or unreadable file is a usage error. */
export function loadKubeConfig(connection: KubeConnection): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (connection.kubeconfig) kc.loadFromFile(connection.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new WaiverError('usage', `cannot read the kubeconfig: ${messageOf(e)}`, 'kubeconfig');
  }
  if (connection.context) {
    if (!kc.getContextObject(connection.context))
      throw new WaiverError(
        'usage',
        `no context "${connection.context}" in the kubeconfig (known: ${kc.contexts.map((c) => c.name).join(', ') || 'none'})`,
        'context',
      );
    kc.setCurrentContext(connection.context);
  }
  if (!kc.getCurrentCluster())
    throw new WaiverError('usage', 'the kubeconfig names no cluster for its current context', 'kubeconfig');
  if (isClientFallback(kc))
    throw new WaiverError(
      'usage',
      'no Kubernetes cluster: kubectl has no current context (kubectl config use-context NAME), and there is no kubeconfig to read; give --kubeconfig or --context',
      'context',
    );
  return kc;
}

/**
 * With no kubeconfig and no service account, the client invents a cluster at http://localhost:8080 and
 * later fails with a message about TLS; kubectl says there is no configuration, and so does Waiver.
 */
const isClientFallback = (kc: KubeConfig): boolean =>
  kc.getCurrentContext() === 'loaded-context' && kc.getCurrentCluster()?.server === 'http://localhost:8080';
