import type { State, StoredState } from './exception.js';
import type { MetricSettings } from './settings.js';
import { DAY_MS } from './time.js';

/** What the audit says about one exception, as of an instant. */
export interface Timeline {
  expiresMs?: number;
  renewalOf?: number;
  appliedMs?: number;
  /** When it stopped being an active record: expired, revoked or superseded. */
  endedMs?: number;
  /** When the target was confirmed not to hold it any more. */
  removedFromTargetMs?: number;
  /** The record's stored state, as the lifecycle events left it. */
  state?: StoredState;
  /** The named target it lives on ('' for a record from before named targets that none adopted yet). */
  target?: string;
}

/** The instants one tally compares every timeline against. */
export interface Frame {
  nowMs: number;
  windowStart: number;
  /** The end of each of the trend's weeks, the last being now. */
  weekEnds: number[];
  /** Instants later than this count as of this (the present; Infinity keeps every date). */
  clampMs: number;
}

export function frameAt(
  nowMs: number,
  settings: Pick<MetricSettings, 'windowDays' | 'trendWeeks'>,
  clampMs: number,
): Frame {
  const weeks = settings.trendWeeks;
  return {
    nowMs,
    windowStart: nowMs - settings.windowDays * DAY_MS,
    weekEnds: Array.from({ length: weeks }, (_, i) => nowMs - (weeks - 1 - i) * 7 * DAY_MS),
    clampMs,
  };
}

/**
 * Every figure the metrics and the counts by state are read from, as sums over the timelines: each
 * timeline adds its share, and a timeline that changes takes its old share back and adds its new one.
 */
export interface Aggregate {
  byState: Map<string, Record<State, number>>;
  activeNow: number;
  /** Exceptions in effect at each week's end. */
  weekly: number[];
  /** Exceptions whose effect ended in the window, and their effective durations summed (whole ms). */
  ended: Set<number>;
  endedMs: number;
  /** How many applied renewals name each id, and how many of the ended ones have at least one. */
  renewedBy: Map<number, number>;
  renewed: number;
  /** Exceptions whose expiry fell in the window (nothing ended them before it). */
  expired: number;
  /** Of those, how long past expiry each removed one stayed on the target, by id. */
  latencies: Map<number, number>;
  /**
   * The same latencies in order, kept so once sorted (a median without sorting at every read); dropped,
   * to be sorted again, when one read changes many (a day's roll).
   */
  latenciesSorted: number[] | undefined;
  latencyEdits: number;
  /** Of those, the ones the target still holds: their expiry, by id. */
  outstanding: Map<number, number>;
  outstandingMin: number | undefined;
}

export function emptyAggregate(weeks: number): Aggregate {
  return {
    byState: new Map(),
    activeNow: 0,
    weekly: Array.from({ length: weeks }, () => 0),
    ended: new Set(),
    endedMs: 0,
    renewedBy: new Map(),
    renewed: 0,
    expired: 0,
    latencies: new Map(),
    latenciesSorted: undefined,
    latencyEdits: 0,
    outstanding: new Map(),
    outstandingMin: undefined,
  };
}

const isActiveAt = (applied: number, ended: number | undefined, expires: number, ms: number): boolean =>
  applied <= ms && (ended === undefined || ended > ms) && expires > ms;

const clampedTo = (ms: number | undefined, limit: number): number | undefined =>
  ms === undefined ? undefined : Math.min(ms, limit);

const zeroCounts = (): Record<State, number> => ({
  pending: 0,
  approved: 0,
  rejected: 0,
  withdrawn: 0,
  active: 0,
  expired: 0,
  removed: 0,
});

/** Adds one timeline's share to the aggregate (`sign` 1), or takes it back (`sign` -1). */
export function contribute(a: Aggregate, id: number, t: Timeline, f: Frame, sign: 1 | -1): void {
  const expires = t.expiresMs ?? Infinity;
  if (t.state !== undefined) {
    // As the inventory shows it: an active record past its expiry is expired.
    const shown: State = t.state === 'active' && expires <= f.nowMs ? 'expired' : t.state;
    const target = t.target ?? '';
    let counts = a.byState.get(target);
    if (counts === undefined) a.byState.set(target, (counts = zeroCounts()));
    counts[shown] += sign;
  }
  if (t.appliedMs === undefined) return;
  const applied = Math.min(t.appliedMs, f.clampMs);
  const ended = clampedTo(t.endedMs, f.clampMs);
  if (t.renewalOf !== undefined) {
    const was = a.renewedBy.get(t.renewalOf) ?? 0;
    const now = was + sign;
    if (now === 0) a.renewedBy.delete(t.renewalOf);
    else a.renewedBy.set(t.renewalOf, now);
    if ((was === 0) !== (now === 0) && a.ended.has(t.renewalOf)) a.renewed += sign;
  }
  if (isActiveAt(applied, ended, expires, f.nowMs)) a.activeNow += sign;
  f.weekEnds.forEach((end, w) => {
    if (isActiveAt(applied, ended, expires, end)) a.weekly[w] = (a.weekly[w] ?? 0) + sign;
  });
  // An exception stops taking effect at its expiry, even if the object lingers.
  const effectiveEnd = Math.min(expires, ended ?? Infinity);
  if (effectiveEnd <= f.nowMs && effectiveEnd >= f.windowStart) {
    if (sign > 0) a.ended.add(id);
    else a.ended.delete(id);
    a.endedMs += sign * (effectiveEnd - applied);
    if (a.renewedBy.has(id)) a.renewed += sign;
  }
  if (expires <= f.nowMs && expires >= f.windowStart && (ended === undefined || ended >= expires)) {
    a.expired += sign;
    const removed = clampedTo(t.removedFromTargetMs, f.clampMs);
    if (removed !== undefined) {
      const latency = Math.max(0, removed - expires);
      if (++a.latencyEdits > MAX_LATENCY_EDITS) a.latenciesSorted = undefined;
      const sorted = a.latenciesSorted;
      if (sign > 0) {
        a.latencies.set(id, latency);
        sorted?.splice(lowerBound(sorted, latency), 0, latency);
      } else {
        a.latencies.delete(id);
        sorted?.splice(lowerBound(sorted, latency), 1);
      }
    } else if (sign > 0) {
      a.outstanding.set(id, expires);
      if (a.outstandingMin !== undefined) a.outstandingMin = Math.min(a.outstandingMin, expires);
      else if (a.outstanding.size === 1) a.outstandingMin = expires;
    } else {
      a.outstanding.delete(id);
      if (a.outstandingMin === expires) a.outstandingMin = undefined;
    }
  }
}

/**
 * The first instant after `f.nowMs` at which this timeline's share may differ: until then every
 * comparison `contribute` makes comes out the same, so the aggregate stands. A timeline with an instant
 * after the present (an event dated ahead, counted as of the present) changes with the present itself.
 */
export function nextChange(t: Timeline, f: Frame, settings: Pick<MetricSettings, 'windowDays'>): number {
  const expires = t.expiresMs ?? Infinity;
  if (t.appliedMs === undefined) return t.state === 'active' ? after(expires, f.nowMs) : Infinity;
  if (
    t.appliedMs > f.clampMs ||
    (t.endedMs ?? -Infinity) > f.clampMs ||
    (t.removedFromTargetMs ?? -Infinity) > f.clampMs
  )
    return f.nowMs + 1;
  const windowMs = settings.windowDays * DAY_MS;
  const effectiveEnd = Math.min(expires, t.endedMs ?? Infinity);
  let next = Math.min(
    after(effectiveEnd, f.nowMs),
    after(effectiveEnd + windowMs, f.nowMs),
    after(expires, f.nowMs),
    after(expires + windowMs, f.nowMs),
  );
  // The weeks' ends lie `nowMs - end` before the present: each instant is crossed that much later.
  for (const end of f.weekEnds) {
    const offset = f.nowMs - end;
    next = Math.min(
      next,
      after(t.appliedMs + offset, f.nowMs),
      after((t.endedMs ?? Infinity) + offset, f.nowMs),
      after(expires + offset, f.nowMs),
    );
  }
  return next;
}

/** When a comparison with instant `c` may next flip after `now`: at `c`, or a millisecond later. */
const after = (c: number, now: number): number =>
  !Number.isFinite(c) ? Infinity : c > now ? c : c + 1 > now ? c + 1 : Infinity;

/** Beyond this many edits between two reads, sorting again is cheaper than moving the list each time. */
const MAX_LATENCY_EDITS = 256;

export function latencyStats(a: Aggregate): { medianMs: number | null; maxMs: number | null } {
  a.latencyEdits = 0;
  const sorted = (a.latenciesSorted ??= [...a.latencies.values()].sort((x, y) => x - y));
  const n = sorted.length;
  if (n === 0) return { medianMs: null, maxMs: null };
  const mid = Math.floor(n / 2);
  return {
    medianMs: n % 2 === 1 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2,
    maxMs: sorted[n - 1] ?? null,
  };
}

/** The first index of a sorted list whose value is not below `v`. */
function lowerBound(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? 0) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function outstandingMin(a: Aggregate): number | undefined {
  if (a.outstandingMin === undefined && a.outstanding.size > 0) {
    let min = Infinity;
    for (const expires of a.outstanding.values()) min = Math.min(min, expires);
    a.outstandingMin = min;
  }
  return a.outstandingMin;
}
