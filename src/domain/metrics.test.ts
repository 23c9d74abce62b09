import { describe, expect, it } from 'vitest';
import type { AuditEvent } from './audit.js';
import { auditActions, type AuditAction } from './lifecycle.js';
import {
  actionsFolded,
  averageDurationDays,
  computeMetrics,
  currentMetrics,
  foldEvent,
  expiredRemoval,
  median,
  metricsOverPages,
  population,
  runningMetrics,
  renewals,
  slope,
  weeklyTrend,
  type Timelines,
} from './metrics.js';
import { defaultSettings } from './settings.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, toRfc3339 } from './time.js';

const N = Date.parse('2026-11-29T00:00:00Z');
let seq = 0;
const event = (
  exceptionId: number,
  action: AuditAction,
  atMs: number,
  data: Record<string, unknown> = {},
): AuditEvent => ({
  seq: ++seq,
  at: toRfc3339(atMs),
  actor: 'tester',
  action,
  exceptionId,
  data,
  prevHash: '',
  hash: '',
});

// Hand-built history; the expected figures below are worked out by hand in the comments.
const events: AuditEvent[] = [
  // EX-1: applied N-20d, expires N-10d, removed 30 minutes late. Duration 10d.
  event(1, 'requested', N - 21 * DAY_MS, { expiresAt: toRfc3339(N - 10 * DAY_MS), renewalOf: null }),
  event(1, 'applied', N - 20 * DAY_MS),
  event(1, 'expired', N - 10 * DAY_MS + 30 * MINUTE_MS),
  // EX-2: applied N-5d, expires N+5d, revoked N-2d. Duration 3d; not an expiry.
  event(2, 'requested', N - 6 * DAY_MS, { expiresAt: toRfc3339(N + 5 * DAY_MS) }),
  event(2, 'applied', N - 5 * DAY_MS),
  event(2, 'revoked', N - 2 * DAY_MS),
  event(2, 'synced', N - 2 * DAY_MS, { operation: 'delete' }),
  // EX-3: applied N-15d, expired N-1d and still on the target. Duration 14d; outstanding 1 day.
  event(3, 'requested', N - 16 * DAY_MS, { expiresAt: toRfc3339(N - DAY_MS) }),
  event(3, 'applied', N - 15 * DAY_MS),
  // EX-4: the renewal of EX-1, active now.
  event(4, 'renewal_requested', N - 11 * DAY_MS, { expiresAt: toRfc3339(N + 10 * DAY_MS), renewalOf: 1 }),
  event(4, 'applied', N - 10 * DAY_MS + HOUR_MS),
  // EX-5: requested only.
  event(5, 'requested', N - DAY_MS, { expiresAt: toRfc3339(N + 5 * DAY_MS) }),
];

describe('metrics', () => {
  const m = computeMetrics(events, N, defaultSettings.metrics);

  it('counts active exceptions and the weekly trend', () => {
    expect(m.activeExceptions).toBe(1);
    // Weekly points N-49d … N: EX-1 and EX-3 at N-14d, EX-3 and EX-4 at N-7d, EX-4 at N.
    expect(m.trend.weekly).toEqual([0, 0, 0, 0, 0, 2, 2, 1]);
    // Σ(x-3.5)(y-0.625) = 11.5, Σ(x-3.5)² = 42.
    expect(m.trend.slope).toBe(0.2738);
    expect(m.redFlag).toBe(true);
    expect(m.targets.trend.meets).toBe(false);
  });

  it('averages the effective duration of ended exceptions', () => {
    expect(m.averageDurationDays).toBe(9); // (10 + 3 + 14) / 3
    expect(m.targets.averageDurationDays).toEqual({ value: 9, target: 14, comparison: '<', meets: true });
  });

  it('measures removal of expired exceptions and its latency', () => {
    expect(m.expiredRemovedRate).toBe(0.5); // EX-1 removed, EX-3 not
    expect(m.targets.expiredRemovedRate.meets).toBe(false);
    expect(m.removalLatency).toMatchObject({ medianSeconds: 1800, maxSeconds: 86400, outstanding: 1 });
    expect(m.removalLatency.warning).toContain('1440 minutes');
  });

  it('counts renewals of ended exceptions', () => {
    expect(m.renewalRate).toBe(0.3333); // EX-1 of EX-1, EX-2, EX-3
    expect(m.targets.renewalRate.meets).toBe(false);
    expect(m.counts).toEqual({ endedInWindow: 3, expiredInWindow: 2, removedAfterExpiry: 1, renewed: 1 });
  });

  it('is reproducible for a past instant, ignoring later events', () => {
    const past = computeMetrics(events, N - 12 * DAY_MS, defaultSettings.metrics);
    expect(past.activeExceptions).toBe(2); // EX-1 and EX-3
    expect(past.averageDurationDays).toBeNull();
    expect(past.expiredRemovedRate).toBeNull();
    expect(past.targets.expiredRemovedRate.meets).toBe(true);
  });

  it('gives the same figures folded a page at a time, as of the present and of a past instant', () => {
    for (const [nowMs, presentMs] of [
      [N, N],
      [N - 12 * DAY_MS, N],
      [N + 3 * DAY_MS, N],
    ] as const)
      for (const size of [1, 2, 5, events.length]) {
        const paged = metricsOverPages(nowMs, defaultSettings.metrics, presentMs);
        for (let i = 0; i < events.length; i += size) paged.add(events.slice(i, i + size));
        expect(paged.result()).toEqual(computeMetrics(events, nowMs, defaultSettings.metrics, presentMs));
      }
  });

  it('has exact helpers', () => {
    expect(slope([3, 2, 1])).toBe(-1);
    expect(slope([5])).toBe(0);
    expect(median([4, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('each metric on its own', () => {
  const p = population(events, N, defaultSettings.metrics);

  it('counts what is in effect at the end of each week', () => {
    const weeks = population(events, N, { windowDays: 90, trendWeeks: 5 });
    // N-28d and N-21d: nothing applied yet; N-14d: EX-1, EX-3; N-7d: EX-3, EX-4; now: EX-4.
    expect(weeks.weekly).toEqual([0, 0, 2, 2, 1]);
    expect(weeks.activeNow).toBe(1);
  });

  it('averages the effective duration of what ended in the window', () => {
    // EX-1 10d, EX-2 3d, EX-3 14d.
    expect(averageDurationDays(p)).toBe(9);
    expect(averageDurationDays(population(events, N - 25 * DAY_MS, defaultSettings.metrics))).toBeNull();
  });

  it('counts the ended exceptions a renewal replaced', () => {
    expect(renewals(p)).toEqual({ renewed: 1, rate: 0.3333 });
  });

  it('shares out expired exceptions removed, with latency and what is still outstanding', () => {
    const removal = expiredRemoval(p, defaultSettings.metrics);
    expect(removal).toMatchObject({ expired: 2, removed: 1, rate: 0.5 });
    expect(removal.latency).toMatchObject({ medianSeconds: 1800, maxSeconds: 86_400, outstanding: 1 });
    expect(removal.latency.warning).toMatch(/1440 minutes past its expiry/);
  });

  it('draws the weekly trend and its slope', () => {
    const trend = weeklyTrend(population(events, N, { windowDays: 90, trendWeeks: 3 }));
    expect(trend.weeks).toEqual([toRfc3339(N - 14 * DAY_MS), toRfc3339(N - 7 * DAY_MS), toRfc3339(N)]);
    expect(trend.weekly).toEqual([2, 2, 1]);
    expect(trend.slope).toBe(-0.5);
  });
});

describe('the red flag', () => {
  const first = [
    event(9, 'requested', N - HOUR_MS, { expiresAt: toRfc3339(N + 5 * DAY_MS) }),
    event(9, 'applied', N - 30 * MINUTE_MS),
  ];

  it('is not raised by the first exception on the first day: no trend yet', () => {
    const m = computeMetrics(first, N, defaultSettings.metrics);
    expect(m.trend.weekly.at(-1)).toBe(1);
    expect(m.redFlag).toBe(false);
    expect(m.targets.trend).toMatchObject({ value: null, meets: true });
  });

  it('is raised when exceptions grow over two weeks or more', () => {
    const growing = [
      ...first,
      event(10, 'requested', N - 9 * DAY_MS, { expiresAt: toRfc3339(N + 15 * DAY_MS) }),
      event(10, 'applied', N - 8 * DAY_MS),
    ];
    const m = computeMetrics(growing, N, defaultSettings.metrics);
    expect(m.trend.weekly.slice(-2)).toEqual([1, 2]);
    expect(m.redFlag).toBe(true);
    expect(m.targets.trend.meets).toBe(false);
  });
});

const trailActions: AuditAction[] = [
  'requested',
  'applied',
  'expired',
  'revoked',
  'removed',
  'synced',
  'imported',
];

/** A random trail over 60 days: requests, applies, ends and removals in any order an id allows. */
function randomTrailOf(seed: number, among = trailActions): AuditEvent[] {
  let state = seed;
  const next = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const trail: AuditEvent[] = [];
  let at = N - 60 * DAY_MS;
  for (let i = 0; i < 400; i++) {
    at += Math.floor(next() * 6 * 3_600_000);
    const id = 1 + Math.floor(next() * 40);
    const action = among[Math.floor(next() * among.length)] ?? 'requested';
    const expiresAt = toRfc3339(at + Math.floor(next() * 30 * DAY_MS));
    const renewalOf = next() < 0.2 ? 1 + Math.floor(next() * 40) : null;
    const data =
      action === 'synced'
        ? { operation: next() < 0.5 ? 'delete' : 'write' }
        : { expiresAt, renewalOf, target: next() < 0.5 ? 'folder' : 'cluster' };
    trail.push(event(id, action, at, data));
  }
  return trail;
}

describe('kept between scrapes', () => {
  const randomTrail = (seed: number) => randomTrailOf(seed);

  it('gives the figures a full read of the trail gives, for timelines folded as events arrived', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const trail = randomTrail(seed);
      const folded: Timelines = new Map();
      for (const e of trail) foldEvent(folded, e, Date.parse(e.at));
      // The present falls inside the trail too: later events count as of the present.
      for (const presentMs of [N, N - 20 * DAY_MS])
        expect(currentMetrics(folded, presentMs, defaultSettings.metrics)).toEqual(
          computeMetrics(trail, presentMs, defaultSettings.metrics, presentMs),
        );
    }
  });
});

describe('running figures', () => {
  const lifecycle: AuditAction[] = [
    'requested',
    'renewal_requested',
    'approved',
    'rejected',
    'withdrawn',
    'applied',
    'reminded',
    'expired',
    'revoked',
    'removed',
    'synced',
    'imported',
    'target_assigned',
  ];
  const settings = defaultSettings.metrics;
  /** The figures computed from nothing: every timeline folded again and tallied once. */
  const fromScratch = (trail: readonly AuditEvent[], presentMs: number) => {
    const fresh = runningMetrics(settings);
    for (const e of trail) fresh.fold(e);
    return fresh.read(presentMs);
  };

  it('equal a from-scratch computation as events arrive and the clock moves, across window rolls', () => {
    for (const seed of [1, 2, 3, 4]) {
      const trail = randomTrailOf(seed, lifecycle);
      const running = runningMetrics(settings);
      const folded: AuditEvent[] = [];
      let present = N - 60 * DAY_MS;
      for (let i = 0; i < trail.length; i += 2) {
        for (const e of trail.slice(i, i + 2)) {
          running.fold(e);
          folded.push(e);
        }
        // The clock follows the trail, at times from a little behind (events dated ahead of it), then
        // moves on by a second and at times by hours (past many timelines' next change).
        const behind = i % 10 === 0 ? HOUR_MS : 0;
        present = Math.max(present, Date.parse(folded.at(-1)?.at ?? '') - behind);
        for (const step of i % 6 === 0 ? [0, 1000, 5 * HOUR_MS] : [0, 1000]) {
          present += step;
          const read = running.read(present);
          expect(read.metrics).toEqual(computeMetrics(folded, present, settings, present));
          expect(read.counts).toEqual(fromScratch(folded, present).counts);
        }
      }
      // Long after the last event, and with the clock put back a day: still equal.
      for (const at of [present + 45 * DAY_MS, present + 44 * DAY_MS])
        expect(running.read(at).metrics).toEqual(computeMetrics(folded, at, settings, at));
      // Computed over every timeline only at the first read and when the clock went back; every other
      // read updated what events and time changed.
      expect(running.rebuilds).toBe(2);
    }
  });

  it('skip only events that no figure reads', () => {
    const folded: Timelines = new Map();
    for (const e of randomTrailOf(7, lifecycle)) foldEvent(folded, e, Date.parse(e.at));
    const before = structuredClone(folded);
    for (const action of auditActions.filter((a) => !actionsFolded.includes(a)))
      foldEvent(folded, event(3, action, N, { expiresAt: toRfc3339(N), target: 'elsewhere' }), N);
    expect(folded).toEqual(before);
    expect(lifecycle.filter((a) => a !== 'reminded').every((a) => actionsFolded.includes(a))).toBe(true);
  });

  it('count exceptions by target and shown state, an active one past its expiry as expired', () => {
    const running = runningMetrics(settings);
    const trail = [
      event(1, 'requested', N - 3 * DAY_MS, { expiresAt: toRfc3339(N + DAY_MS), target: 'folder' }),
      event(1, 'approved', N - 3 * DAY_MS),
      event(1, 'applied', N - 2 * DAY_MS),
      event(2, 'requested', N - 3 * DAY_MS, { expiresAt: toRfc3339(N + DAY_MS) }),
      event(3, 'requested', N - 3 * DAY_MS, { expiresAt: toRfc3339(N + DAY_MS), target: 'cluster' }),
      event(3, 'rejected', N - 2 * DAY_MS),
    ];
    for (const e of trail) running.fold(e);
    const zero = { pending: 0, approved: 0, rejected: 0, withdrawn: 0, active: 0, expired: 0, removed: 0 };
    expect(running.read(N).counts).toEqual(
      new Map([
        ['folder', { ...zero, active: 1 }],
        ['', { ...zero, pending: 1 }],
        ['cluster', { ...zero, rejected: 1 }],
      ]),
    );
    running.fold(event(2, 'target_assigned', N, { target: 'folder' }));
    expect(running.read(N + DAY_MS).counts).toEqual(
      new Map([
        ['folder', { ...zero, pending: 1, expired: 1 }],
        ['cluster', { ...zero, rejected: 1 }],
      ]),
    );
  });
});
