import type { AuditEvent, AuditFact } from './audit.js';
import type { AuditAction } from './lifecycle.js';
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

/** The actions whose `data` the timelines read; of every other event, the action and time suffice. */
export const actionsWithTimelineData: readonly AuditAction[] = [
  'requested',
  'renewal_requested',
  'imported',
  'synced',
];

/** Folds one event about an exception into the timelines, as having happened at `at` (ms). */
export function foldEvent(byId: Timelines, e: Omit<AuditFact, 'seq' | 'at'>, at: number): void {
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

/**
 * What every metric is read from, tallied in one pass over the timelines: a scrape at 50,000 exceptions
 * costs one loop of comparisons, not a copy of every timeline and a filter per figure.
 */
export interface Tally {
  nowMs: number;
  windowStart: number;
  /** The end of each of the trend's weeks, the last being now. */
  weekEnds: number[];
  /** Exceptions in effect at each week's end. */
  weekly: number[];
  activeNow: number;
  /** Exceptions whose effect ended in the window: their ids and effective durations summed. */
  ended: { ids: number[]; days: number };
  /** Ids that an applied renewal replaced. */
  renewedIds: Set<number>;
  /** Exceptions whose expiry fell in the window (nothing ended them before it). */
  expired: number;
  /** Of those, how long past expiry each removed one stayed on the target. */
  removalLatenciesMs: number[];
  /** Of those, how many the target still holds, and the longest past expiry. */
  outstanding: { count: number; maxMs: number | null };
}

const isActiveAt = (applied: number, ended: number | undefined, expires: number, ms: number): boolean =>
  applied <= ms && (ended === undefined || ended > ms) && expires > ms;

const clampedTo = (ms: number | undefined, limit: number): number | undefined =>
  ms === undefined ? undefined : Math.min(ms, limit);

/**
 * One pass over the timelines as of `nowMs`. Instants later than `clampMs` (the present, for timelines
 * folded as events arrived) count as of `clampMs`: an event dated after the present has happened all the
 * same.
 */
export function tally(
  timelines: Iterable<[id: number, timeline: Timeline]>,
  nowMs: number,
  settings: Pick<MetricSettings, 'windowDays' | 'trendWeeks'>,
  clampMs = Infinity,
): Tally {
  const windowStart = nowMs - settings.windowDays * DAY_MS;
  const weeks = settings.trendWeeks;
  const weekEnds = Array.from({ length: weeks }, (_, i) => nowMs - (weeks - 1 - i) * 7 * DAY_MS);
  const result: Tally = {
    nowMs,
    windowStart,
    weekEnds,
    weekly: weekEnds.map(() => 0),
    activeNow: 0,
    ended: { ids: [], days: 0 },
    renewedIds: new Set(),
    expired: 0,
    removalLatenciesMs: [],
    outstanding: { count: 0, maxMs: null },
  };
  for (const [id, t] of timelines) {
    if (t.appliedMs === undefined) continue;
    const applied = Math.min(t.appliedMs, clampMs);
    const ended = clampedTo(t.endedMs, clampMs);
    const expires = t.expiresMs ?? Infinity;
    if (t.renewalOf !== undefined) result.renewedIds.add(t.renewalOf);
    if (isActiveAt(applied, ended, expires, nowMs)) result.activeNow++;
    for (let w = 0; w < weeks; w++)
      if (isActiveAt(applied, ended, expires, weekEnds[w] ?? nowMs))
        result.weekly[w] = (result.weekly[w] ?? 0) + 1;
    // An exception stops taking effect at its expiry, even if the object lingers.
    const effectiveEnd = Math.min(expires, ended ?? Infinity);
    if (effectiveEnd <= nowMs && effectiveEnd >= windowStart) {
      result.ended.ids.push(id);
      result.ended.days += (effectiveEnd - applied) / DAY_MS;
    }
    if (expires <= nowMs && expires >= windowStart && (ended === undefined || ended >= expires)) {
      result.expired++;
      const removed = clampedTo(t.removedFromTargetMs, clampMs);
      if (removed !== undefined) result.removalLatenciesMs.push(Math.max(0, removed - expires));
      else {
        result.outstanding.count++;
        result.outstanding.maxMs = Math.max(result.outstanding.maxMs ?? 0, nowMs - expires);
      }
    }
  }
  return result;
}

/** The timelines of a trail as of `nowMs` (see `foldUpTo` for events after the present). */
function timelinesOf(events: readonly AuditEvent[], nowMs: number, presentMs: number): Timelines {
  const byId: Timelines = new Map();
  for (const e of events) foldUpTo(byId, e, nowMs, presentMs);
  return byId;
}

/** The tally of a trail as of `nowMs`. */
export function population(
  events: readonly AuditEvent[],
  nowMs: number,
  settings: Pick<MetricSettings, 'windowDays' | 'trendWeeks'>,
  presentMs = Infinity,
): Tally {
  return tally(timelinesOf(events, nowMs, presentMs), nowMs, settings);
}

/** Mean effective duration, in days, of the exceptions that ended in the window (target < 14). */
export const averageDurationDays = (p: Tally): number | null =>
  round(ratio(p.ended.days, p.ended.ids.length), 2);

/** Of the exceptions that ended in the window, how many a renewal replaced (target < 10%). */
export function renewals(p: Tally): { renewed: number; rate: number | null } {
  const renewed = p.ended.ids.filter((id) => p.renewedIds.has(id)).length;
  return { renewed, rate: round(ratio(renewed, p.ended.ids.length)) };
}

/**
 * Of the exceptions whose expiry fell in the window (and nothing ended them before it), the share
 * already removed from the target (target 100%), and how long removal took.
 */
export function expiredRemoval(p: Tally, settings: MetricSettings) {
  const removed = p.removalLatenciesMs.length;
  const longestRemoved = p.removalLatenciesMs.reduce<number | null>((a, b) => Math.max(a ?? 0, b), null);
  const maxLatencyMs =
    longestRemoved === null ? p.outstanding.maxMs : Math.max(longestRemoved, p.outstanding.maxMs ?? 0);
  const medianLatencyMs = median(p.removalLatenciesMs);
  const graceMs = settings.removalGraceMinutes * MINUTE_MS;
  return {
    expired: p.expired,
    removed,
    rate: round(ratio(removed, p.expired)),
    latency: {
      medianSeconds: medianLatencyMs === null ? null : Math.round(medianLatencyMs / 1000),
      maxSeconds: maxLatencyMs === null ? null : Math.round(maxLatencyMs / 1000),
      outstanding: p.outstanding.count,
      warning:
        maxLatencyMs !== null && maxLatencyMs > graceMs
          ? `an expired exception stayed on the target ${Math.round(maxLatencyMs / MINUTE_MS)} minutes past its expiry (grace ${settings.removalGraceMinutes} minutes)`
          : null,
    },
  };
}

/** Active exceptions at the end of each of the trend's weeks, and their least-squares slope. */
export const weeklyTrend = (p: Tally): Metrics['trend'] => ({
  slope: round(slope(p.weekly)) ?? 0,
  weekly: p.weekly,
  weeks: p.weekEnds.map(toRfc3339),
});

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
    result: () => metricsOf(tally(byId, nowMs, settings), settings),
  };
}

/**
 * The metrics as of the present from timelines folded as events arrived (`foldEvent`, at their own
 * dates): what a process keeps between scrapes instead of reading the whole trail each time. An event
 * dated after the present counts as of the present, as in `computeMetrics`.
 */
export const currentMetrics = (byId: Timelines, presentMs: number, settings: MetricSettings): Metrics =>
  metricsOf(tally(byId, presentMs, settings, presentMs), settings);

function metricsOf(p: Tally, settings: MetricSettings): Metrics {
  const averageDuration = averageDurationDays(p);
  const removal = expiredRemoval(p, settings);
  const renewal = renewals(p);
  const trend = weeklyTrend(p);
  return {
    at: toRfc3339(p.nowMs),
    windowDays: settings.windowDays,
    activeExceptions: p.activeNow,
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
      endedInWindow: p.ended.ids.length,
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
