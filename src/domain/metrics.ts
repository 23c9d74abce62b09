import type { AuditEvent } from './audit.js';
import type { MetricSettings } from './settings.js';
import { DAY_MS, MINUTE_MS, toRfc3339 } from './time.js';

/** What the audit says about one exception, as of an instant. */
interface Timeline {
  expiresMs?: number;
  renewalOf?: number;
  appliedMs?: number;
  /** When it stopped being an active record: expired, revoked or superseded. */
  endedMs?: number;
  /** When the target was confirmed not to hold it any more. */
  removedFromTargetMs?: number;
}

export interface Target {
  value: number | null;
  target: number;
  comparison: '<' | '<=' | '>=';
  meets: boolean;
}

export interface Metrics {
  at: string;
  windowDays: number;
  activeExceptions: number;
  averageDurationDays: number | null;
  expiredRemovedRate: number | null;
  removalLatency: {
    medianSeconds: number | null;
    maxSeconds: number | null;
    outstanding: number;
    warning: string | null;
  };
  renewalRate: number | null;
  trend: { slope: number; weekly: number[]; weeks: string[] };
  redFlag: boolean;
  targets: { averageDurationDays: Target; expiredRemovedRate: Target; renewalRate: Target; trend: Target };
  counts: { endedInWindow: number; expiredInWindow: number; removedAfterExpiry: number; renewed: number };
}

const instantOf = (v: unknown): number | undefined => (typeof v === 'string' ? Date.parse(v) : undefined);

/** Folds audit events up to `nowMs` into one timeline per exception. */
function timelines(events: readonly AuditEvent[], nowMs: number): Map<number, Timeline> {
  const byId = new Map<number, Timeline>();
  for (const e of events) {
    const at = Date.parse(e.at);
    if (e.exceptionId === null || at > nowMs) continue;
    const t = byId.get(e.exceptionId) ?? {};
    byId.set(e.exceptionId, t);
    switch (e.action) {
      case 'requested':
      case 'renewal_requested':
        t.expiresMs = instantOf(e.data['expiresAt']) ?? t.expiresMs ?? Infinity;
        if (typeof e.data['renewalOf'] === 'number') t.renewalOf = e.data['renewalOf'];
        break;
      case 'applied':
        t.appliedMs = at;
        break;
      case 'expired':
        t.endedMs ??= at;
        t.removedFromTargetMs ??= at;
        break;
      case 'revoked':
      case 'removed':
        t.endedMs ??= at;
        break;
      case 'synced':
        if (e.data['operation'] === 'delete') t.removedFromTargetMs ??= at;
        break;
      default:
        break;
    }
  }
  return byId;
}

const isActiveAt = (t: Timeline, ms: number): boolean =>
  t.appliedMs !== undefined &&
  t.appliedMs <= ms &&
  (t.endedMs === undefined || t.endedMs > ms) &&
  (t.expiresMs ?? Infinity) > ms;

/** When an exception stopped taking effect: at its expiry, even if the object lingered. */
const effectiveEnd = (t: Timeline): number => Math.min(t.expiresMs ?? Infinity, t.endedMs ?? Infinity);

/** Least-squares slope of equally spaced values. */
export function slope(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return num / den;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const round = (v: number | null, digits = 4): number | null =>
  v === null ? null : Number(v.toFixed(digits));

/** The process document's four metrics and the trend, from the audit alone, as of any instant. */
export function computeMetrics(
  events: readonly AuditEvent[],
  nowMs: number,
  settings: MetricSettings,
): Metrics {
  const all = [...timelines(events, nowMs).entries()];
  const windowStart = nowMs - settings.windowDays * DAY_MS;
  const applied = all.filter(([, t]) => t.appliedMs !== undefined);

  const ended = applied.filter(([, t]) => effectiveEnd(t) <= nowMs && effectiveEnd(t) >= windowStart);
  const durationsDays = ended.map(([, t]) => (effectiveEnd(t) - (t.appliedMs ?? 0)) / DAY_MS);
  const averageDurationDays = ratio(
    durationsDays.reduce((a, b) => a + b, 0),
    durationsDays.length,
  );

  const renewedIds = new Set(
    applied.map(([, t]) => t.renewalOf).filter((id): id is number => id !== undefined),
  );
  const renewed = ended.filter(([id]) => renewedIds.has(id)).length;

  // Expired exceptions: expiry fell in the window, and nothing had ended them before it.
  const expired = applied
    .map(([, t]) => t)
    .filter((t) => t.expiresMs !== undefined && t.expiresMs <= nowMs && t.expiresMs >= windowStart)
    .filter((t) => t.endedMs === undefined || t.endedMs >= (t.expiresMs ?? 0));
  const removed = expired.filter((t) => t.removedFromTargetMs !== undefined);
  const latenciesMs = removed.map((t) => Math.max(0, (t.removedFromTargetMs ?? 0) - (t.expiresMs ?? 0)));
  const outstandingMs = expired
    .filter((t) => t.removedFromTargetMs === undefined)
    .map((t) => nowMs - (t.expiresMs ?? 0));
  const maxLatencyMs =
    latenciesMs.length + outstandingMs.length === 0 ? null : Math.max(...latenciesMs, ...outstandingMs);
  const medianLatencyMs = median(latenciesMs);
  const graceMs = settings.removalGraceMinutes * MINUTE_MS;

  const weeks = Array.from(
    { length: settings.trendWeeks },
    (_, i) => nowMs - (settings.trendWeeks - 1 - i) * 7 * DAY_MS,
  );
  const weekly = weeks.map((ms) => all.filter(([, t]) => isActiveAt(t, ms)).length);
  const trendSlope = round(slope(weekly)) ?? 0;

  const averageDuration = round(averageDurationDays, 2);
  const expiredRemovedRate = round(ratio(removed.length, expired.length));
  const renewalRate = round(ratio(renewed, ended.length));
  return {
    at: toRfc3339(nowMs),
    windowDays: settings.windowDays,
    activeExceptions: all.filter(([, t]) => isActiveAt(t, nowMs)).length,
    averageDurationDays: averageDuration,
    expiredRemovedRate,
    removalLatency: {
      medianSeconds: medianLatencyMs === null ? null : Math.round(medianLatencyMs / 1000),
      maxSeconds: maxLatencyMs === null ? null : Math.round(maxLatencyMs / 1000),
      outstanding: outstandingMs.length,
      warning:
        maxLatencyMs !== null && maxLatencyMs > graceMs
          ? `an expired exception stayed on the target ${Math.round(maxLatencyMs / MINUTE_MS)} minutes past its expiry (grace ${settings.removalGraceMinutes} minutes)`
          : null,
    },
    renewalRate,
    trend: { slope: trendSlope, weekly, weeks: weeks.map(toRfc3339) },
    redFlag: trendSlope > 0,
    targets: {
      averageDurationDays: target(averageDuration, settings.targetAverageDays, '<'),
      expiredRemovedRate: target(expiredRemovedRate, settings.targetExpiredRemovedRate, '>='),
      renewalRate: target(renewalRate, settings.targetRenewalRate, '<'),
      trend: target(trendSlope, 0, '<='),
    },
    counts: {
      endedInWindow: ended.length,
      expiredInWindow: expired.length,
      removedAfterExpiry: removed.length,
      renewed,
    },
  };
}

/** A metric with no data yet meets its target: there is nothing to improve. */
function target(value: number | null, goal: number, comparison: Target['comparison']): Target {
  const meets =
    value === null ||
    (comparison === '<' ? value < goal : comparison === '<=' ? value <= goal : value >= goal);
  return { value, target: goal, comparison, meets };
}
