import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { TargetKind } from '../domain/target-kind.js';

/** A configured target as people see it: never its credentials. */
export interface TargetView {
  name: string;
  kind: TargetKind;
  description: string;
  /** The target a request gets when it names none. */
  default: boolean;
  /** Its cluster can be read: the blast radius (covers) and policy-report evidence work here. */
  cluster: boolean;
  /** It can be read back: drift and unmanaged exceptions are found here. */
  observable: boolean;
}

/** `waiver targets`, `GET /api/v1/targets`: where exceptions can live, in configuration order. */
export function listTargets(deps: ServiceDeps, actor: Actor): { items: TargetView[] } {
  authorize(actor, 'read');
  return {
    items: deps.targets.names.flatMap((name) => {
      const t = deps.targets.get(name);
      return t
        ? [
            {
              name,
              kind: t.kind,
              description: t.target.description,
              default: name === deps.targets.defaultName,
              cluster: t.cluster !== undefined,
              observable: t.target.capabilities.observable,
            },
          ]
        : [];
    }),
  };
}
