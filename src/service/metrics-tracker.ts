import { states, type State } from '../domain/exception.js';
import {
  actionsFolded,
  actionsWithTimelineData,
  runningMetrics,
  timelineDataFields,
  type Metrics,
} from '../domain/metrics.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';

/** The metrics and the exceptions by target and shown state, as of one instant. */
export interface TrackedFigures {
  metrics: Metrics;
  /** Every configured target is present, with 0 for the states it has none in. */
  counts: Record<string, Record<State, number>>;
}

/** The process metrics as of now, kept up to date by reading only the events written since last time. */
export interface MetricsTracker {
  /**
   * Folds the audit events written since the last call, by this process or any other: the newest one's
   * seq, which stays the same while nothing was written.
   */
  catchUp(): Promise<number>;
  current(): Promise<Metrics>;
  /** The metrics and the counts by state, after folding what was written since the last call. */
  figures(): Promise<TrackedFigures>;
  /** The newest audit event read (events no figure reads, such as reminders, are passed over). */
  readonly lastSeq: number;
}

/** Events read a page at a time: the first call folds the whole trail, and holds one page at most. */
const PAGE = 5_000;

/**
 * For a process that asks often (a Prometheus scrape): one small timeline per exception stays in memory,
 * with running sums over them (`runningMetrics`), and each call folds in the new events only. The
 * counts by state come from the same fold: every change of state is an audit event in the same
 * transaction, so another process's writes reach them as they reach the metrics. Memory grows with
 * exceptions, not events; a call costs one indexed query, plus a pass over the timelines only when
 * time crosses a boundary of the figures.
 */
export function metricsTracker(deps: ServiceDeps, actor: Actor): MetricsTracker {
  const running = runningMetrics(deps.settings.metrics);
  let lastSeq = 0;
  const catchUp = async (): Promise<number> => {
    authorize(actor, 'read');
    // Every event up to the head read first is scanned below: the events no figure reads (a sweep's
    // reminders, say) are passed over once, not at every scrape until a folded one follows them.
    const [head] = await deps.store.listAudit({ newestFirst: true, limit: 1 });
    for (;;) {
      const page = await deps.store.listAuditFacts(
        lastSeq,
        PAGE,
        actionsWithTimelineData,
        actionsFolded,
        timelineDataFields,
      );
      for (const event of page) {
        running.fold(event);
        lastSeq = event.seq;
      }
      if (page.length < PAGE) return (lastSeq = Math.max(lastSeq, head?.seq ?? 0));
    }
  };
  const figures = async (): Promise<TrackedFigures> => {
    await catchUp();
    const read = running.read(deps.clock.now());
    const counts: Record<string, Record<State, number>> = {};
    const zero = () => Object.fromEntries(states.map((s) => [s, 0])) as Record<State, number>;
    for (const name of deps.targets.names) counts[name] = zero();
    for (const [target, byState] of read.counts) counts[target] = { ...byState };
    return { metrics: read.metrics, counts };
  };
  return {
    get lastSeq() {
      return lastSeq;
    },
    catchUp,
    figures,
    current: async () => (await figures()).metrics,
  };
}
