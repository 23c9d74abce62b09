import { currentMetrics, foldEvent, type Metrics, type Timelines } from '../domain/metrics.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';

/** The process metrics as of now, kept up to date by reading only the events written since last time. */
export interface MetricsTracker {
  current(): Promise<Metrics>;
}

/**
 * For a process that asks often (a Prometheus scrape): the timelines stay in memory, one small entry
 * per exception, and each call folds in the new events only. Memory grows with exceptions, not events,
 * and a call costs one indexed query plus the arithmetic.
 */
export function metricsTracker(deps: ServiceDeps, actor: Actor): MetricsTracker {
  const timelines: Timelines = new Map();
  let lastSeq = 0;
  return {
    async current() {
      authorize(actor, 'read');
      for (const event of await deps.store.listAudit({ afterSeq: lastSeq })) {
        foldEvent(timelines, event, Date.parse(event.at));
        lastSeq = event.seq;
      }
      return currentMetrics(timelines, deps.clock.now(), deps.settings.metrics);
    },
  };
}
