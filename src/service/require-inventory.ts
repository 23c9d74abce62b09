import { WaiverError } from '../domain/errors.js';
import type { ServiceDeps } from './deps.js';
import type { ClusterInventory } from './ports.js';

/** The cluster's inventory, or a usage error (field `context`) saying what reads it and how to give one. */
export function requireInventory(deps: ServiceDeps, what: string, offline = ''): ClusterInventory {
  if (deps.inventory) return deps.inventory;
  throw new WaiverError(
    'usage',
    `${what}, and no cluster is configured: give --kubeconfig or --context (or kubernetes: in the config)${offline}`,
    'context',
  );
}
