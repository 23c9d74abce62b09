import type { ApiVersion } from '../domain/exception.js';
import { manifestToYaml, renderManifest } from '../domain/render.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { resolveException } from './resolve.js';

/** The PolicyException manifest of an exception, as the target receives it. */
export async function renderException(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  apiVersion?: ApiVersion,
): Promise<string> {
  authorize(actor, 'read');
  const record = await resolveException(deps.store, ref);
  return manifestToYaml(renderManifest(record, deps.settings, apiVersion ? { apiVersion } : {}));
}
