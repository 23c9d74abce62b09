import { messageOf } from '../domain/errors.js';
import { configuredPolicies, type KnownPolicy } from '../domain/policy-catalog.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { TargetKind } from '../domain/target-kind.js';
import { targetNamed } from './targets.js';

/** The policies a request for one target may name, and where that list comes from. */
export interface PolicyCatalog {
  /** The target asked about: the default target when none was named. */
  target: string;
  kind: TargetKind;
  /**
   * `cluster`: the target's own policies, as its cluster holds them (a request for another is refused);
   * `configuration`: what the configuration names (a folder, a Git repository, or an unreadable cluster).
   */
  source: 'cluster' | 'configuration';
  items: KnownPolicy[];
  /** What limits the answer: an unreadable cluster, a default policy the cluster lacks. */
  notes: string[];
}

/** `GET /api/v1/policies`: what the request form offers for the chosen target. */
export async function listPolicies(deps: ServiceDeps, actor: Actor, target?: string): Promise<PolicyCatalog> {
  authorize(actor, 'read');
  const named = targetNamed(deps, target ?? deps.targets.defaultName);
  const { defaultPolicy, defaultRules } = deps.settings;
  const configured = (): KnownPolicy[] =>
    configuredPolicies(defaultPolicy, defaultRules, Object.keys(deps.notifications.groups.policyOwners));
  const answer = { target: named.name, kind: named.kind };
  const catalog = named.cluster?.catalog;
  if (!catalog) return { ...answer, source: 'configuration', items: configured(), notes: [] };
  let items: KnownPolicy[];
  try {
    items = await catalog.policies();
  } catch (e) {
    // The form stays usable while the cluster is away; the request itself is still checked against it.
    return {
      ...answer,
      source: 'configuration',
      items: configured(),
      notes: [`cannot read the policies of cluster target ${named.name}: ${messageOf(e)}`],
    };
  }
  const notes: string[] = [];
  if (items.length === 0) notes.push(`cluster target ${named.name} holds no Kyverno policy`);
  else if (!items.some((p) => p.name === defaultPolicy))
    notes.push(`the default policy ${defaultPolicy} is not in cluster target ${named.name}`);
  return { ...answer, source: 'cluster', items, notes };
}
