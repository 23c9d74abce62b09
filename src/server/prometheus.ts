import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { states } from '../domain/exception.js';
import { decorateTarget } from '../service/decorate-target.js';
import type { Target } from '../service/ports/target.js';
import { evidenceFlags, type ExceptionEvidence } from '../domain/report-evidence.js';
import type { TrackedFigures } from '../service/metrics-tracker.js';

/** Everything /metrics exposes, on a registry of its own (several servers may share one process in tests). */
export interface ServerMetrics {
  registry: Registry;
  /** Unmanaged (rogue) PolicyExceptions a target's controller found in its last run. */
  setUnmanaged(target: string, count: number): void;
  /** What the policy reports showed at the controller's last look: exempted resources per exception. */
  setEvidence(items: readonly ExceptionEvidence[]): void;
  /** The text exposition, with the process gauges read from the store just before. */
  render(): Promise<string>;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** The target, with its failed writes and removals counted under its name. */
  countingTarget(name: string, target: Target): Target;
  /** A delivery's outcome on a channel: sent, failed (to be retried) or dead. */
  observeDelivery(channel: string, outcome: 'sent' | 'failed' | 'dead'): void;
}

/** What a scrape reads from the store (as an auditor), so every replica reports the same figures. */
export interface ScrapeSources {
  /** Folds the audit events written since the last scrape: the newest one's seq. */
  catchUp(): Promise<number>;
  /** The process metrics and the exceptions by target and state, as of now. */
  figures(): Promise<TrackedFigures>;
  pendingNotifications(): Promise<Record<string, number>>;
  /** The injected clock. */
  now(): number;
}

/**
 * How long a rendered scrape is served again while nothing changed: no audit event written (a failed
 * target write writes one too), the same notifications pending, no figure of this process set. A scrape
 * every few seconds then costs three small queries; the process's own gauges and the HTTP counters may lag
 * by this much.
 */
export const SCRAPE_REUSE_MS = 5_000;

/**
 * prom-client writes a NaN sample as `Nan`; the exposition formats spell it `NaN` (OpenMetrics requires it,
 * Prometheus reads either): a strict parser must not trip on a gauge that has no data yet.
 */
export const spellNaN = (text: string): string => text.replace(/ Nan$/gm, ' NaN');

export function serverMetrics(sources: ScrapeSources, reuseMs = SCRAPE_REUSE_MS): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'waiver_' });
  // Gauges named like counters, which Prometheus's checker refuses; `…_active_handles` and kin, by
  // type, say the same.
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total'])
    registry.removeSingleMetric(`waiver_nodejs_${name}`);
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });

  const byState = gauge('waiver_exceptions', 'Exceptions in the store by target and state.', [
    'target',
    'state',
  ]);
  const active = gauge('waiver_active_exceptions', 'Exceptions in effect now, by target (should fall).', [
    'target',
  ]);
  const average = gauge(
    'waiver_average_duration_seconds',
    'Average effective duration of the exceptions ended in the window (target < 14 days).',
  );
  const removed = gauge('waiver_expired_removed_ratio', 'Expired exceptions removed, 0-1 (target 1).');
  const renewal = gauge('waiver_renewal_ratio', 'Renewals among ended exceptions, 0-1 (target < 0.1).');
  const trend = gauge('waiver_active_trend_slope', 'Weekly change of active exceptions (least squares).');
  const redFlag = gauge('waiver_red_flag', '1 when the number of exceptions is increasing.');
  const unmanaged = gauge(
    'waiver_unmanaged_exceptions',
    'PolicyExceptions on a target (a cluster, a repository) that Waiver does not manage.',
    ['target'],
  );
  const exempted = gauge(
    'waiver_exception_exempted_resources',
    "Resources Kyverno's policy reports show each exception letting through (result skip naming it).",
    ['exception'],
  );
  const flagged = gauge(
    'waiver_exception_flagged',
    'Exceptions the evidence flags: unused, skipping-after-expiry, failing-while-active, no-longer-needed.',
    ['flag'],
  );
  const noLongerNeeded = gauge(
    'waiver_exceptions_no_longer_needed',
    'Exceptions in effect whose every covered resource would pass its policy without them, by target (revoke them).',
    ['target'],
  );
  const latencyMedian = gauge(
    'waiver_removal_latency_median_seconds',
    'How long past their expiry the exceptions removed in the window stayed on the target (median).',
  );
  const latencyMax = gauge('waiver_removal_latency_max_seconds', 'The same, the longest.');
  const outstanding = gauge(
    'waiver_expired_not_removed',
    'Exceptions past their expiry that the target still holds now.',
  );
  // No data yet (nothing ended in the window) is NaN, not a made-up 0 or 100%.
  const setOrNaN = (g: Gauge, v: number | null) => g.set(v ?? Number.NaN);

  /** Reads the store once per scrape, before the registry renders, so all gauges show one moment. */
  const refresh = async (pendingNow: Record<string, number>): Promise<void> => {
    const { metrics: m, counts: byStateNow } = await sources.figures();
    pending.reset();
    for (const [channel, n] of Object.entries(pendingNow)) pending.set({ channel }, n);
    byState.reset();
    active.reset();
    for (const [target, counted] of Object.entries(byStateNow)) {
      for (const state of states) byState.set({ target, state }, counted[state]);
      active.set({ target }, counted.active);
    }
    setOrNaN(average, m.averageDurationDays === null ? null : m.averageDurationDays * 86_400);
    setOrNaN(removed, m.expiredRemovedRate);
    setOrNaN(renewal, m.renewalRate);
    trend.set(m.trend.slope);
    redFlag.set(m.redFlag ? 1 : 0);
    setOrNaN(latencyMedian, m.removalLatency.medianSeconds);
    setOrNaN(latencyMax, m.removalLatency.maxSeconds);
    outstanding.set(m.removalLatency.outstanding);
  };

  const pending = gauge('waiver_notifications_pending', 'Notifications waiting in the outbox, by channel.', [
    'channel',
  ]);
  const sent = new Counter({
    name: 'waiver_notifications_sent_total',
    help: 'Notifications delivered, by channel.',
    labelNames: ['channel'],
    registers: [registry],
  });
  const failed = new Counter({
    name: 'waiver_notifications_failed_total',
    help: 'Failed deliveries, by channel and outcome (retry: tried again later; dead: given up).',
    labelNames: ['channel', 'outcome'],
    registers: [registry],
  });
  const syncFailures = new Counter({
    name: 'waiver_sync_failures_total',
    help: 'Target writes and removals that failed, by target (retried by the next sweep).',
    labelNames: ['target', 'operation'],
    registers: [registry],
  });
  const counted = async <T>(target: string, operation: string, work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (e) {
      syncFailures.inc({ target, operation });
      throw e;
    }
  };

  /** Bumped by every figure this process sets itself, so a kept scrape is not served past it. */
  let changes = 0;
  let kept: { key: string; at: number; text: string } | undefined;

  return {
    registry,
    setUnmanaged: (target, count) => {
      changes++;
      unmanaged.set({ target }, count);
    },
    setEvidence: (items) => {
      changes++;
      exempted.reset();
      for (const e of items) exempted.set({ exception: e.id }, e.exempted.length);
      for (const flag of evidenceFlags)
        flagged.set({ flag }, items.filter((e) => e.flags.some((f) => f.flag === flag)).length);
      noLongerNeeded.set(items.filter((e) => e.flags.some((f) => f.flag === 'no-longer-needed')).length);
    },
    render: async () => {
      const at = sources.now();
      const [seq, pendingNow] = await Promise.all([sources.catchUp(), sources.pendingNotifications()]);
      const key = `${seq} ${changes} ${JSON.stringify(pendingNow)}`;
      if (kept && kept.key === key && at >= kept.at && at - kept.at < reuseMs) return kept.text;
      await refresh(pendingNow);
      const text = spellNaN(await registry.metrics());
      kept = { key, at, text };
      return text;
    },
    httpRequests: new Counter({
      name: 'waiver_http_requests_total',
      help: 'HTTP requests by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'waiver_http_request_duration_seconds',
      help: 'HTTP request latency by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    // Syncs are counted: reading a target back and asking a forge pass through uncounted.
    countingTarget: (name, target) =>
      decorateTarget(target, (operation, call) =>
        operation === 'write' || operation === 'remove' ? counted(name, operation, call()) : call(),
      ),
    observeDelivery: (channel, outcome) => {
      changes++;
      if (outcome === 'sent') sent.inc({ channel });
      else failed.inc({ channel, outcome: outcome === 'dead' ? 'dead' : 'retry' });
    },
  };
}
