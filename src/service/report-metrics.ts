import { computeMetrics, type Metrics } from '../domain/metrics.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';

/** The process metrics as of `atMs` (default now), computed from the audit so any past instant is reproducible. */
export async function reportMetrics(deps: ServiceDeps, actor: Actor, atMs?: number): Promise<Metrics> {
  authorize(actor, 'read');
  // One reading of the clock: "now" and "the present" must be the same instant, or a sweep run ahead
  // of the clock would slip out of a report as of now.
  const presentMs = deps.clock.now();
  return computeMetrics(await deps.store.listAudit(), atMs ?? presentMs, deps.settings.metrics, presentMs);
}
