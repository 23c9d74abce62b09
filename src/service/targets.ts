import { WaiverError } from '../domain/errors.js';
import { formatId, type ExceptionRecord } from '../domain/exception.js';
import type { ServiceDeps } from './deps.js';
import type { ClusterServices } from './ports/cluster.js';
import type { NamedTarget, Target, TargetSet } from './ports/target.js';

/** A target set from its members; the first is the default unless one is named. */
export function targetSet(members: readonly NamedTarget[], defaultName = members[0]?.name ?? ''): TargetSet {
  const byName = new Map(members.map((m) => [m.name, m]));
  return { defaultName, names: members.map((m) => m.name), get: (name) => byName.get(name) };
}

const configured = (deps: ServiceDeps): string => deps.targets.names.join(', ') || 'none';

/** The configured target of this name, or a `target` error listing those there are. */
export function targetNamed(deps: ServiceDeps, name: string): NamedTarget {
  const found = deps.targets.get(name);
  if (found) return found;
  throw new WaiverError(
    'usage',
    `target "${name}" is not configured here (configured: ${configured(deps)})`,
    'target',
  );
}

/**
 * The record's own target. One this process lacks is an error naming it: the record is never written to
 * another target instead (the bug named targets fix: an exception meant for a cluster landing in a folder).
 */
export function targetOf(deps: ServiceDeps, record: ExceptionRecord): NamedTarget {
  const found = deps.targets.get(record.target);
  if (found) return found;
  throw new WaiverError(
    'target',
    `${formatId(record.id)} lives on target "${record.target}", which is not configured here (configured: ${configured(deps)}); it is written nowhere else`,
    'target',
  );
}

/**
 * The named target's cluster services, or a usage error saying what needs them and how to give one;
 * `field` is the input that named it (`target`, or `reportsFrom` where reports are read elsewhere).
 */
export function clusterOf(
  deps: ServiceDeps,
  what: string,
  name?: string,
  offline = '',
  field = 'target',
): ClusterServices {
  const wanted = name ?? deps.targets.defaultName;
  const named = deps.targets.get(wanted);
  if (named?.cluster) return named.cluster;
  const clusters = clusterTargets(deps).map((t) => t.name);
  const why =
    clusters.length === 0
      ? deps.configuredBy === 'server'
        ? "this server has no cluster configured: its operator adds one under targets: in the server's configuration (or starts it with --kubeconfig or --context)"
        : 'no cluster is configured: give --kubeconfig or --context, or a cluster under targets: in the config'
      : !named
        ? `target "${wanted}" is not configured here (configured: ${configured(deps)})`
        : `target "${wanted}" is not a cluster: name one (${clusters.join(', ')})`;
  throw new WaiverError('usage', `${what}, and ${why}${offline}`, field);
}

/** Every configured cluster target, in configuration order. */
export const clusterTargets = (deps: ServiceDeps): NamedTarget[] =>
  deps.targets.names.flatMap((n) => {
    const t = deps.targets.get(n);
    return t?.cluster ? [t] : [];
  });

/** Targets that can be read back (clusters and Git repositories): drift, deletions and rogues are found there. */
export const observableTargets = (deps: ServiceDeps): { name: string; target: Target }[] =>
  deps.targets.names.flatMap((name) => {
    const t = deps.targets.get(name);
    return t?.target.capabilities.observable ? [{ name, target: t.target }] : [];
  });
