import type { TargetKind } from '../../src/domain/target-kind.js';
import type { ClusterServices } from '../../src/service/ports/cluster.js';
import type { NamedTarget, Target, TargetSet } from '../../src/service/ports/target.js';
import { targetSet } from '../../src/service/targets.js';

/** The name records get in tests that configure one target. */
export const TEST_TARGET = 'folder';

/** A one-target set, as a setup with one folder or one cluster has. */
export function oneTarget(
  target: Target,
  options: { name?: string; kind?: TargetKind; cluster?: ClusterServices } = {},
): TargetSet {
  const member: NamedTarget = {
    name: options.name ?? TEST_TARGET,
    kind: options.kind ?? (options.cluster ? 'cluster' : 'directory'),
    target,
    cluster: options.cluster,
  };
  return targetSet([member]);
}
