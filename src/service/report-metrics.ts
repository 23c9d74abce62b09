import { metricsOverPages, type Metrics } from '../domain/metrics.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';

/** The process metrics as of `atMs` (default now), computed from the audit so any past instant is reproducible. */
export async function reportMetrics(deps: ServiceDeps, actor: Actor, atMs?: number): Promise<Metrics> {
  authorize(actor, 'read');
  // One reading of the clock: "now" and "the present" must be the same instant, or a sweep run ahead
  // of the clock would slip out of a report as of now.
  const presentMs = deps.clock.now();
  const metrics = metricsOverPages(atMs ?? presentMs, deps.settings.metrics, presentMs);
  // A page at a time: memory grows with the exceptions, not with the trail.
  for (let afterSeq = 0; ;) {
    const page = await deps.store.listAudit({ afterSeq, limit: PAGE });
    metrics.add(page);
    const last = page.at(-1);
    if (!last || page.length < PAGE) return metrics.result();
    afterSeq = last.seq;
  }
}

/** Events read at a time. */
const PAGE = 1000;
