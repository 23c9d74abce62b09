import { computeMetrics, type Metrics } from '../domain/metrics.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';

/** The process metrics as of `atMs` (default now), computed from the audit so any past instant is reproducible. */
export async function reportMetrics(
  deps: ServiceDeps,
  actor: Actor,
  atMs = deps.clock.now(),
): Promise<Metrics> {
  authorize(actor, 'read');
  return computeMetrics(await deps.store.listAudit(), atMs, deps.settings.metrics, deps.clock.now());
}
