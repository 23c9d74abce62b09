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

/** Each exception's timeline, by id. */
export type Timelines = Map<number, Timeline>;

/** Folds one event about an exception into the timelines, as having happened at `at` (ms). */
export function foldEvent(byId: Timelines, e: AuditEvent, at: number): void {
  if (e.exceptionId === null) return;
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
    case 'imported':
      // Adopted from the cluster: in force from its import, until the expiry it was given.
      t.appliedMs = at;
      t.expiresMs = instantOf(e.data['expiresAt']) ?? Infinity;
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

/**
 * Folds an audit event into the timelines if it happened by `nowMs`. An event dated after `presentMs`
 * (a sweep run ahead of the clock with `--now`) has happened all the same: asked about the present or
 * the past, it counts as of the present, so the metrics agree with the records it changed. Without a
 * present (Infinity), events keep their dates.
 */
function foldUpTo(byId: Timelines, e: AuditEvent, nowMs: number, presentMs: number): void {
  // Asked about the future (a simulation), every event keeps its date.
  const at = nowMs > presentMs ? Date.parse(e.at) : Math.min(Date.parse(e.at), presentMs);
  if (at <= nowMs) foldEvent(byId, e, at);
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

type Entry = [id: number, timeline: Timeline];

/** The exceptions as the metrics see them: applied ones, and those whose effect ended in the window. */
export interface Population {
  nowMs: number;
  windowStart: number;
  all: Entry[];
  applied: Entry[];
  ended: Entry[];
}

export function population(
  events: readonly AuditEvent[],
  nowMs: number,
  windowDays: number,
  presentMs = Infinity,
): Population {
  const byId: Timelines = new Map();
  for (const e of events) foldUpTo(byId, e, nowMs, presentMs);
  return populationOf([...byId.entries()], nowMs, windowDays);
}

function populationOf(all: Entry[], nowMs: number, windowDays: number): Population {
  const windowStart = nowMs - windowDays * DAY_MS;
  const applied = all.filter(([, t]) => t.appliedMs !== undefined);
  const ended = applied.filter(([, t]) => effectiveEnd(t) <= nowMs && effectiveEnd(t) >= windowStart);
  return { nowMs, windowStart, all, applied, ended };
}

/** Exceptions in effect at an instant. */
export const activeAt = (p: Pick<Population, 'all'>, ms: number): number =>
  p.all.filter(([, t]) => isActiveAt(t, ms)).length;

/** Mean effective duration, in days, of the exceptions that ended in the window (target < 14). */
export function averageDurationDays(p: Population): number | null {
  const days = p.ended.map(([, t]) => (effectiveEnd(t) - (t.appliedMs ?? 0)) / DAY_MS);
  return round(
    ratio(
      days.reduce((a, b) => a + b, 0),
      days.length,
    ),
    2,
  );
}

/** Of the exceptions that ended in the window, how many a renewal replaced (target < 10%). */
export function renewals(p: Population): { renewed: number; rate: number | null } {
  const renewedIds = new Set(
    p.applied.map(([, t]) => t.renewalOf).filter((id): id is number => id !== undefined),
  );
  const renewed = p.ended.filter(([id]) => renewedIds.has(id)).length;
  return { renewed, rate: round(ratio(renewed, p.ended.length)) };
}

/**
 * Of the exceptions whose expiry fell in the window (and nothing ended them before it), the share
 * already removed from the target (target 100%), and how long removal took.
 */
export function expiredRemoval(p: Population, settings: MetricSettings) {
  const expired = p.applied
    .map(([, t]) => t)
    .filter((t) => t.expiresMs !== undefined && t.expiresMs <= p.nowMs && t.expiresMs >= p.windowStart)
    .filter((t) => t.endedMs === undefined || t.endedMs >= (t.expiresMs ?? 0));
  const removed = expired.filter((t) => t.removedFromTargetMs !== undefined);
  const latenciesMs = removed.map((t) => Math.max(0, (t.removedFromTargetMs ?? 0) - (t.expiresMs ?? 0)));
  const outstandingMs = expired
    .filter((t) => t.removedFromTargetMs === undefined)
    .map((t) => p.nowMs - (t.expiresMs ?? 0));
  const maxLatencyMs =
    latenciesMs.length + outstandingMs.length === 0 ? null : Math.max(...latenciesMs, ...outstandingMs);
  const medianLatencyMs = median(latenciesMs);
  const graceMs = settings.removalGraceMinutes * MINUTE_MS;
  return {
    expired: expired.length,
    removed: removed.length,
    rate: round(ratio(removed.length, expired.length)),
    latency: {
      medianSeconds: medianLatencyMs === null ? null : Math.round(medianLatencyMs / 1000),
      maxSeconds: maxLatencyMs === null ? null : Math.round(maxLatencyMs / 1000),
      outstanding: outstandingMs.length,
      warning:
        maxLatencyMs !== null && maxLatencyMs > graceMs
          ? `an expired exception stayed on the target ${Math.round(maxLatencyMs / MINUTE_MS)} minutes past its expiry (grace ${settings.removalGraceMinutes} minutes)`
          : null,
    },
  };
}

/** Active exceptions at the end of each of the last `weeks` weeks, and their least-squares slope. */
export function weeklyTrend(p: Population, weeks: number): Metrics['trend'] {
  const instants = Array.from({ length: weeks }, (_, i) => p.nowMs - (weeks - 1 - i) * 7 * DAY_MS);
  const weekly = instants.map((ms) => activeAt(p, ms));
  return { slope: round(slope(weekly)) ?? 0, weekly, weeks: instants.map(toRfc3339) };
}

/**
 * A trend needs two weeks with exceptions in them: a first exception on a first day is a start, not
 * an increase.
 */
const hasHistory = (trend: Metrics['trend']): boolean => trend.weekly.filter((v) => v > 0).length >= 2;

/** The process document's four metrics and the trend, from the audit alone, as of any instant. */
export function computeMetrics(
  events: readonly AuditEvent[],
  nowMs: number,
  settings: MetricSettings,
  presentMs = Infinity,
): Metrics {
  const metrics = metricsOverPages(nowMs, settings, presentMs);
  metrics.add(events);
  return metrics.result();
}

/**
 * `computeMetrics` over a trail read a page at a time (`add` each page in chain order): memory grows
 * with the exceptions, not with the events.
 */
export function metricsOverPages(
  nowMs: number,
  settings: MetricSettings,
  presentMs = Infinity,
): { add(events: readonly AuditEvent[]): void; result(): Metrics } {
  const byId: Timelines = new Map();
  return {
    add: (events) => {
      for (const e of events) foldUpTo(byId, e, nowMs, presentMs);
    },
    result: () => metricsOf(populationOf([...byId.entries()], nowMs, settings.windowDays), settings),
  };
}

/**
 * The metrics as of the present from timelines folded as events arrived (`foldEvent`, at their own
 * dates): what a process keeps between scrapes instead of reading the whole trail each time. An event
 * dated after the present counts as of the present, as in `computeMetrics`.
 */
export function currentMetrics(byId: Timelines, presentMs: number, settings: MetricSettings): Metrics {
  const clamp = (ms: number | undefined) => (ms === undefined ? undefined : Math.min(ms, presentMs));
  const all = [...byId.entries()].map(([id, t]): Entry => {
    const clamped: Timeline = { ...t };
    for (const key of ['appliedMs', 'endedMs', 'removedFromTargetMs'] as const) {
      const value = clamp(t[key]);
      if (value === undefined) delete clamped[key];
      else clamped[key] = value;
    }
    return [id, clamped];
  });
  return metricsOf(populationOf(all, presentMs, settings.windowDays), settings);
}

function metricsOf(p: Population, settings: MetricSettings): Metrics {
  const { nowMs } = p;
  const averageDuration = averageDurationDays(p);
  const removal = expiredRemoval(p, settings);
  const renewal = renewals(p);
  const trend = weeklyTrend(p, settings.trendWeeks);
  return {
    at: toRfc3339(nowMs),
    windowDays: settings.windowDays,
    activeExceptions: activeAt(p, nowMs),
    averageDurationDays: averageDuration,
    expiredRemovedRate: removal.rate,
    removalLatency: removal.latency,
    renewalRate: renewal.rate,
    trend,
    redFlag: hasHistory(trend) && trend.slope > 0,
    targets: {
      averageDurationDays: target(averageDuration, settings.targetAverageDays, '<'),
      expiredRemovedRate: target(removal.rate, settings.targetExpiredRemovedRate, '>='),
      renewalRate: target(renewal.rate, settings.targetRenewalRate, '<'),
      trend: target(hasHistory(trend) ? trend.slope : null, 0, '<='),
    },
    counts: {
      endedInWindow: p.ended.length,
      expiredInWindow: removal.expired,
      removedAfterExpiry: removal.removed,
      renewed: renewal.renewed,
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
