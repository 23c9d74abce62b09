import { hasTrendHistory } from './trend-history.js';
import type { AuditEvent, AuditFact } from './audit.js';
import type { State } from './exception.js';
import type { AuditAction } from './lifecycle.js';
import {
  contribute,
  emptyAggregate,
  frameAt,
  latencyStats,
  nextChange,
  outstandingMin,
  type Aggregate,
  type Frame,
  type Timeline,
} from './metrics-aggregate.js';
import type { MetricSettings } from './settings.js';
import { DAY_MS, MINUTE_MS, toRfc3339 } from './time.js';

export type { Timeline } from './metrics-aggregate.js';

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
  'target_assigned',
];

/** The fields of that data the timelines read (absent and null read the same). */
export const timelineDataFields: readonly string[] = ['expiresAt', 'renewalOf', 'target', 'operation'];

/** Requests from before named targets name none: '' until a `target_assigned` event says which. */
const targetOf = (data: Record<string, unknown>, was: string | undefined): string =>
  typeof data['target'] === 'string' ? data['target'] : (was ?? '');

/** The actions `foldEvent` reads: the metrics may skip every other event (reminders, drift, tokens). */
export const actionsFolded: readonly AuditAction[] = [
  'requested',
  'renewal_requested',
  'approved',
  'rejected',
  'withdrawn',
  'applied',
  'imported',
  'expired',
  'revoked',
  'removed',
  'synced',
  'target_assigned',
];

/** Folds one event about an exception into the timelines, as having happened at `at` (ms). */
export function foldEvent(byId: Timelines, e: Omit<AuditFact, 'seq' | 'at'>, at: number): void {
  if (e.exceptionId === null) return;
  let t = byId.get(e.exceptionId);
  if (t === undefined) byId.set(e.exceptionId, (t = {}));
  switch (e.action) {
    case 'requested':
    case 'renewal_requested':
      t.expiresMs = instantOf(e.data['expiresAt']) ?? t.expiresMs ?? Infinity;
      if (typeof e.data['renewalOf'] === 'number') t.renewalOf = e.data['renewalOf'];
      t.state = 'pending';
      t.target = targetOf(e.data, t.target);
      break;
    case 'approved':
    case 'rejected':
    case 'withdrawn':
      t.state = e.action;
      break;
    case 'applied':
      t.appliedMs = at;
      t.state = 'active';
      break;
    case 'imported':
      // Adopted from the cluster: in force from its import, until the expiry it was given.
      t.appliedMs = at;
      t.expiresMs = instantOf(e.data['expiresAt']) ?? Infinity;
      t.state = 'active';
      t.target = targetOf(e.data, t.target);
      break;
    case 'expired':
      t.endedMs ??= at;
      t.removedFromTargetMs ??= at;
      t.state = 'removed';
      break;
    case 'revoked':
    case 'removed':
      t.endedMs ??= at;
      t.state = 'removed';
      break;
    case 'target_assigned':
      t.target = targetOf(e.data, t.target);
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
 * What every metric is read from, as sums over the timelines (see `Aggregate`): a scrape at 50,000
 * exceptions reads these figures, not a copy of every timeline and a filter per figure.
 */
export interface Tally {
  nowMs: number;
  /** The end of each of the trend's weeks, the last being now. */
  weekEnds: number[];
  /** Exceptions in effect at each week's end. */
  weekly: number[];
  activeNow: number;
  /** Exceptions whose effect ended in the window: how many, and their effective durations summed. */
  ended: { count: number; ms: number };
  /** Of those, how many an applied renewal replaced. */
  renewed: number;
  /** Exceptions whose expiry fell in the window (nothing ended them before it). */
  expired: number;
  /** Of those, the ones removed from the target, and how long past expiry they stayed. */
  removed: { count: number; medianMs: number | null; maxMs: number | null };
  /** Of those, how many the target still holds, and the longest past expiry. */
  outstanding: { count: number; maxMs: number | null };
}

function tallyOf(a: Aggregate, f: Frame): Tally {
  const latency = latencyStats(a);
  const oldest = outstandingMin(a);
  return {
    nowMs: f.nowMs,
    weekEnds: f.weekEnds,
    weekly: [...a.weekly],
    activeNow: a.activeNow,
    ended: { count: a.ended.size, ms: a.endedMs },
    renewed: a.renewed,
    expired: a.expired,
    removed: { count: a.latencies.size, ...latency },
    outstanding: { count: a.outstanding.size, maxMs: oldest === undefined ? null : f.nowMs - oldest },
  };
}

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
  const frame = frameAt(nowMs, settings, clampMs);
  const aggregate = emptyAggregate(settings.trendWeeks);
  for (const [id, t] of timelines) contribute(aggregate, id, t, frame, 1);
  return tallyOf(aggregate, frame);
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
  round(ratio(p.ended.ms / DAY_MS, p.ended.count), 2);

/** Of the exceptions that ended in the window, how many a renewal replaced (target < 10%). */
export const renewals = (p: Tally): { renewed: number; rate: number | null } => ({
  renewed: p.renewed,
  rate: round(ratio(p.renewed, p.ended.count)),
});

/**
 * Of the exceptions whose expiry fell in the window (and nothing ended them before it), the share
 * already removed from the target (target 100%), and how long removal took.
 */
export function expiredRemoval(p: Tally, settings: MetricSettings) {
  const removed = p.removed.count;
  const longestRemoved = p.removed.maxMs;
  const maxLatencyMs =
    longestRemoved === null ? p.outstanding.maxMs : Math.max(longestRemoved, p.outstanding.maxMs ?? 0);
  const medianLatencyMs = p.removed.medianMs;
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

const hasHistory = (trend: Metrics['trend']): boolean => hasTrendHistory(trend.weekly);

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

/** The metrics and the counts by target and shown state, as of one instant. */
export interface RunningFigures {
  metrics: Metrics;
  /** Exceptions by target and shown state (targets with none have no entry). */
  counts: ReadonlyMap<string, Readonly<Record<State, number>>>;
}

/** Figures kept as events arrive, for a process that asks often (a Prometheus scrape). */
export interface RunningMetrics {
  /** Folds one event about an exception, at its own date. */
  fold(e: Omit<AuditFact, 'seq'>): void;
  /** The figures as of the present; an event dated after the present counts as of the present. */
  read(presentMs: number): RunningFigures;
  /** How many reads computed the aggregate over every timeline (the others updated it). */
  readonly rebuilds: number;
}

/**
 * The aggregate is computed once over every timeline; after that a read re-evaluates only the timelines
 * whose share may have changed since the last one. Each timeline's share stays the same until its next
 * change (`nextChange`: an expiry passing, a week's end or the window's start crossing one of its instants),
 * kept in a queue by that instant: a read takes the share back, as of the last read, of each timeline that
 * events changed or whose instant came, and adds its share as of the present. So time alone costs only
 * what the window's roll touches. With the clock put back, the aggregate is computed again. A read equals
 * `currentMetrics` over the same timelines at the same instant.
 */
export function runningMetrics(settings: MetricSettings): RunningMetrics {
  const timelines: Timelines = new Map();
  /** Each exception events changed since the last read, as it was then (null: new). */
  const changed = new Map<number, Timeline | null>();
  /** When each timeline's share may next change; the queue holds these, and entries superseded since. */
  const due = new Map<number, number>();
  const queue = new DueQueue();
  let kept: { aggregate: Aggregate; baseMs: number } | undefined;
  let rebuilds = 0;

  const schedule = (id: number, t: Timeline, frame: Frame) => {
    const at = nextChange(t, frame, settings);
    if (at === Infinity) due.delete(id);
    else {
      due.set(id, at);
      queue.push(at, id);
    }
  };
  const rebuild = (frame: Frame) => {
    rebuilds++;
    const aggregate = emptyAggregate(settings.trendWeeks);
    due.clear();
    queue.clear();
    for (const [id, t] of timelines) {
      contribute(aggregate, id, t, frame, 1);
      schedule(id, t, frame);
    }
    return { aggregate, baseMs: frame.nowMs };
  };
  /** One timeline's share moved from the last read (`was`, as it was then) to the present. */
  const update = (a: Aggregate, id: number, was: Timeline | null, last: Frame, frame: Frame) => {
    if (was) contribute(a, id, was, last, -1);
    const t = timelines.get(id);
    if (t === undefined) return;
    contribute(a, id, t, frame, 1);
    schedule(id, t, frame);
  };

  return {
    get rebuilds() {
      return rebuilds;
    },
    fold(e) {
      if (e.exceptionId === null) return;
      if (kept && !changed.has(e.exceptionId)) {
        const was = timelines.get(e.exceptionId);
        changed.set(e.exceptionId, was ? { ...was } : null);
      }
      foldEvent(timelines, e, Date.parse(e.at));
    },
    read(presentMs) {
      const frame = frameAt(presentMs, settings, presentMs);
      if (!kept || presentMs < kept.baseMs) kept = rebuild(frame);
      else if (presentMs > kept.baseMs || changed.size > 0) {
        // Every share not touched here is the same now as at the last read: its next change is later.
        const last = frameAt(kept.baseMs, settings, kept.baseMs);
        for (const [id, was] of changed) update(kept.aggregate, id, was, last, frame);
        for (let next = queue.pop(presentMs); next; next = queue.pop(presentMs)) {
          const [at, id] = next;
          const t = timelines.get(id);
          if (due.get(id) === at && t) update(kept.aggregate, id, t, last, frame);
        }
        if (queue.size > 2 * due.size + 1024) queue.refill(due);
        kept.baseMs = presentMs;
      }
      changed.clear();
      const counts = new Map<string, Record<State, number>>();
      for (const [target, byState] of kept.aggregate.byState)
        if (Object.values(byState).some((n) => n > 0)) counts.set(target, { ...byState });
      return { metrics: metricsOf(tallyOf(kept.aggregate, frame), settings), counts };
    },
  };
}

/** A binary min-heap of (instant, id): the timelines in the order their shares may change. */
class DueQueue {
  private readonly at: number[] = [];
  private readonly ids: number[] = [];

  get size(): number {
    return this.at.length;
  }

  clear(): void {
    this.at.length = 0;
    this.ids.length = 0;
  }

  /** Drops the superseded entries: only each id's current instant stays. */
  refill(due: ReadonlyMap<number, number>): void {
    this.clear();
    for (const [id, at] of due) this.push(at, id);
  }

  push(at: number, id: number): void {
    let i = this.at.length;
    this.at.push(at);
    this.ids.push(id);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.at[parent] ?? 0) <= at) break;
      this.at[i] = this.at[parent] ?? 0;
      this.ids[i] = this.ids[parent] ?? 0;
      i = parent;
    }
    this.at[i] = at;
    this.ids[i] = id;
  }

  /** The earliest entry if it is due by `limit`, taken out of the queue. */
  pop(limit: number): [at: number, id: number] | undefined {
    const top = this.at[0];
    if (top === undefined || top > limit) return undefined;
    const id = this.ids[0] ?? 0;
    const lastAt = this.at.pop() ?? 0;
    const lastId = this.ids.pop() ?? 0;
    const n = this.at.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && (this.at[right] ?? 0) < (this.at[left] ?? 0) ? right : left;
        if ((this.at[child] ?? 0) >= lastAt) break;
        this.at[i] = this.at[child] ?? 0;
        this.ids[i] = this.ids[child] ?? 0;
        i = child;
      }
      this.at[i] = lastAt;
      this.ids[i] = lastId;
    }
    return [top, id];
  }
}

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
      endedInWindow: p.ended.count,
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
