import {
  actionsWithTimelineData,
  currentMetrics,
  foldEvent,
  type Metrics,
  type Timelines,
} from '../domain/metrics.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';

/** The process metrics as of now, kept up to date by reading only the events written since last time. */
export interface MetricsTracker {
  current(): Promise<Metrics>;
  /** The newest audit event folded in: a scrape that sees it unchanged knows nothing was written. */
  readonly lastSeq: number;
}

/** Events read a page at a time: the first call folds the whole trail, and holds one page at most. */
const PAGE = 5_000;

/**
 * For a process that asks often (a Prometheus scrape): the timelines stay in memory, one small entry
 * per exception, and each call folds in the new events only. Memory grows with exceptions, not events,
 * and a call costs one indexed query plus one pass over the timelines.
 */
export function metricsTracker(deps: ServiceDeps, actor: Actor): MetricsTracker {
  const timelines: Timelines = new Map();
  let lastSeq = 0;
  return {
    get lastSeq() {
      return lastSeq;
    },
    async current() {
      authorize(actor, 'read');
      for (;;) {
        const page = await deps.store.listAuditFacts(lastSeq, PAGE, actionsWithTimelineData);
        for (const event of page) {
          foldEvent(timelines, event, Date.parse(event.at));
          lastSeq = event.seq;
        }
        if (page.length < PAGE) break;
      }
      return currentMetrics(timelines, deps.clock.now(), deps.settings.metrics);
    },
  };
}
