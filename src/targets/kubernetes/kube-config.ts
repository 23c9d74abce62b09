import { homedir } from 'node:os';
import { join } from 'node:path';
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
  // With no kubeconfig at all, no context can be found in one: say that, and where it was looked for.
  if (isClientFallback(kc)) throw noKubeconfig(connection.context);
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
  return kc;
}

/** Where a kubeconfig was looked for, as kubectl looks: KUBECONFIG, ~/.kube/config, a pod's service account. */
function noKubeconfig(context: string | undefined): WaiverError {
  const looked = `KUBECONFIG is not set, there is no ${join(homedir(), '.kube', 'config')}, and this is not a pod with a service account`;
  return context === undefined
    ? new WaiverError('usage', `no kubeconfig found (${looked}): give --kubeconfig PATH`, 'kubeconfig')
    : new WaiverError(
        'usage',
        `--context "${context}" names a context of a kubeconfig, and none was found (${looked}): give --kubeconfig PATH too`,
        'context',
      );
}

/**
 * With no kubeconfig and no service account, the client invents a cluster at http://localhost:8080 and
 * later fails with a message about TLS; kubectl says there is no configuration, and so does Waiver.
 */
const isClientFallback = (kc: KubeConfig): boolean =>
  kc.getCurrentContext() === 'loaded-context' && kc.getCurrentCluster()?.server === 'http://localhost:8080';
